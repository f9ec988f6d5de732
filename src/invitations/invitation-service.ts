import { CompiledQuery } from "kysely";
import { CappedCounts } from "../core/capped-counts.js";
import type { Clock } from "../core/clock.js";
import type { SecretBox } from "../core/crypto.js";
import { isValidEmail, normalizeEmail } from "../core/email-address.js";
import { AppError, validationError } from "../core/errors.js";
import type { IdGenerator } from "../core/ids.js";
import type { Page } from "../core/pagination.js";
import { decodeCursor, encodeCursor } from "../core/pagination.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { GroupCommit } from "../db/group-commit.js";
import type { RowFields, RowsAsTheyArrive } from "../db/raw-rows.js";
import type { CapturedMail } from "../email/captured-mail.js";
import type { Outbox } from "../email/outbox.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { LimitGuard } from "../limits/limit-guard.js";
import type { MemberService } from "../members/member-service.js";
import type { TenantSettings } from "../settings/settings.js";
import type { SettingsService } from "../settings/settings-service.js";
import { isHttpUrl, isLocale } from "../settings/settings-service.js";
import {
  type CommonFields,
  type CreateInvitationsInput,
  type CreateItemResult,
  CreateJob,
  type CreateOptions,
  failureOf,
  itemError,
} from "./create-job.js";
import type { DocumentHead } from "./document-head.js";
import { type Invitation, toInvitation, type ViewContext } from "./invitation.js";
import type { InvitationDocument } from "./invitation-documents.js";
import * as q from "./invitation-queries.js";
import { InvitationWriter, type PendingHold } from "./invitation-writer.js";
import { type ListPageJob, type ListPageView, ListPageWriter, writeListPage } from "./list-page.js";
import { ListStatements, type ListValues } from "./list-statements.js";
import type { ListThreads } from "./list-threads.js";
import { PageBytes, PageMemories } from "./page-bytes.js";
import { documentRowReader } from "./raw-document-rows.js";

export type { CreateInvitationsInput, CreateItemResult, CreateOptions } from "./create-job.js";

export interface ListOptions extends q.InvitationFilter {
  limit: number;
  cursor?: string;
  offset?: number;
  includeTotal?: boolean;
}

export interface InvitationServiceDeps {
  db: Db;
  kind: DatabaseKind;
  clock: Clock;
  newId: IdGenerator;
  box: SecretBox;
  events: EventService;
  settings: SettingsService;
  outbox: Outbox;
  captured: CapturedMail;
  limits: LimitGuard;
  /** Counts an organization's members, for the member limit that counts pending invitations. */
  members: Pick<MemberService, "countUpToMany">;
  publicUrl: string;
  /** SQLite's list threads (ADR 0014); without them list pages are written on the event loop. */
  listThreads?: ListThreads;
  /** PostgreSQL: a query's rows read as they arrive, which list pages are written from (ADR 0027). */
  rowsAsTheyArrive?: RowsAsTheyArrive;
  /**
   * PostgreSQL: the same, on connections that pipeline and keep generic plans, for the list
   * statements that have one plan for every value (ADR 0033).
   */
  listReads?: RowsAsTheyArrive;
}

const HOUR_MS = 3_600_000;

/** Single creates waiting at once are written together (ADR 0007). */
const GROUP_LIMITS = {
  sqlite: { maxItems: 100, concurrency: 1 },
  postgres: { maxItems: 100, concurrency: 2 },
} as const;

export class InvitationService {
  private readonly writer: InvitationWriter;
  private readonly groups: GroupCommit<CreateJob>;
  /** A list page's statements, compiled once per shape for each layout (ADR 0019). */
  private readonly statementsByLayout = new Map<InvitationDocument, ListStatements>();
  /** Memory for the list pages written on the event loop, used again once sent. */
  private readonly pageMemories = new PageMemories();

  constructor(private readonly deps: InvitationServiceDeps) {
    this.writer = new InvitationWriter({
      kind: deps.kind,
      box: deps.box,
      newId: deps.newId,
      events: deps.events,
      outbox: deps.outbox,
      captured: deps.captured,
      limits: deps.limits,
      members: deps.members,
      pendingCounts: new CappedCounts(),
      viewContext: (settings, now) => this.viewContext(settings, now),
    });
    this.groups = new GroupCommit(
      (jobs) => this.commit(jobs),
      GROUP_LIMITS[deps.kind],
      // One person and organization per group: the same key as a membership's.
      (job) => q.memberKey(job.tenantId, job.organizationId, job.candidates[0]?.email ?? ""),
    );
  }

  /** How single creates were grouped so far (ADR 0007). */
  get groupStats(): Readonly<{ groups: number; items: number; largest: number }> {
    return this.groups.stats;
  }

  /** One invitation; throws the item's error. */
  async create(
    tenantId: string,
    actor: Actor,
    input: Omit<CreateInvitationsInput, "emails"> & { email: string },
    options: CreateOptions = {},
  ) {
    const { email, ...rest } = input;
    const [result] = await this.createMany(
      tenantId,
      actor,
      { ...rest, emails: [email] },
      {
        emailPath: () => "/email",
        ...options,
        atomic: true,
      },
    );
    if (!result?.invitation) throw result?.error ?? new Error("create produced no result");
    return { invitation: result.invitation, refreshed: result.refreshed === true };
  }

  /**
   * Creates invitations for many emails in one transaction. Repeated emails are merged. With
   * `atomic`, the first failure aborts everything and the thrown error lists every failure.
   * A request of one email may share its transaction with other single creates (ADR 0007).
   */
  async createMany(
    tenantId: string,
    actor: Actor,
    input: CreateInvitationsInput,
    options: CreateOptions = {},
  ): Promise<CreateItemResult[]> {
    const { clock, limits } = this.deps;
    const atomic = options.atomic ?? true;
    const emailPath = options.emailPath ?? ((i: number) => `/emails/${i}`);
    const settings = await this.deps.settings.get(tenantId);
    const now = clock.now();
    const common = this.validateCommon(input, settings, now);

    const results: CreateItemResult[] = [];
    const byEmail = new Map<string, CreateItemResult>();
    input.emails.forEach((raw, index) => {
      const email = normalizeEmail(raw);
      if (!isValidEmail(raw)) {
        results.push({ index, email: raw, error: itemError("validation_failed", emailPath(index), "must be a valid email address") });
      } else if (!byEmail.has(email)) {
        const result: CreateItemResult = { index, email };
        byEmail.set(email, result);
        results.push(result);
      }
    });
    if (atomic) {
      const failure = failureOf(results);
      if (failure) throw failure;
    }

    const candidates = [...byEmail.values()];
    // Resolved here, outside the write's transaction: it may read the tenant's settings.
    const capture = common.sendEmail ? await this.deps.captured.targetFor(tenantId) : undefined;
    const job = new CreateJob(
      tenantId,
      actor,
      input,
      common,
      settings,
      candidates,
      now,
      { atomic, onPending: options.onPending ?? "conflict", emailPath },
      capture,
    );
    const createKey = `create:${tenantId}:${input.organizationId}`;
    const createLimit = settings.limits.invitationsPerOrganizationPerHour;
    if (candidates.length > 0) {
      const allowed = await limits.consume(createKey, createLimit, HOUR_MS, candidates.length);
      if (!allowed.allowed) {
        throw new AppError("creation_limit_exceeded", {
          detail: `at most ${createLimit} invitations per organization per hour`,
          retryAfter: allowed.retryAfter,
          limit: "invitationsPerOrganizationPerHour",
        });
      }
    }
    try {
      await (candidates.length === 1 ? this.groups.submit(job) : this.commit([job]));
      if (job.failure) throw job.failure;
    } catch (error) {
      await limits.refund(createKey, HOUR_MS, candidates.length);
      throw error;
    }
    // Items that failed (non-atomic) give their creation allowance back.
    const failed = candidates.filter((c) => c.error !== undefined);
    if (failed.length > 0) await limits.refund(createKey, HOUR_MS, failed.length);
    return results.sort((a, b) => a.index - b.index);
  }

  /** One transaction for the jobs; sends counted by an attempt that did not commit are given back. */
  private async commit(jobs: CreateJob[]): Promise<void> {
    for (const job of jobs) job.begin();
    const holds: PendingHold[] = [];
    try {
      await this.deps.db.transaction().execute((trx) => this.writer.write(trx, jobs, holds));
    } catch (error) {
      for (const { held } of holds) held.settle();
      for (const job of jobs) await this.writer.refundSends(job);
      throw error;
    }
    for (const { held, created } of holds) held.settle(created);
    if (jobs.some((job) => job.emailsQueued)) this.deps.outbox.notify();
  }

  private validateCommon(input: CreateInvitationsInput, settings: TenantSettings, now: number): CommonFields {
    const { defaultSeconds, maxSeconds } = settings.invitationLifetime;
    let expiresAt = now + defaultSeconds * 1000;
    if (input.expiresAt !== undefined) {
      if (!Number.isFinite(input.expiresAt) || input.expiresAt <= now) throw validationError("/expiresAt", "must be in the future");
      if (input.expiresAt > now + maxSeconds * 1000) {
        throw validationError("/expiresAt", `must be at most ${maxSeconds} seconds from now`);
      }
      expiresAt = Math.floor(input.expiresAt);
    } else if (input.expiresIn !== undefined) {
      if (!Number.isInteger(input.expiresIn) || input.expiresIn < 1 || input.expiresIn > maxSeconds) {
        throw validationError("/expiresIn", `must be between 1 and ${maxSeconds} seconds`);
      }
      expiresAt = now + input.expiresIn * 1000;
    }
    for (const field of ["redirectUrl", "acceptUrl"] as const) {
      const value = input[field];
      if (value !== undefined && value !== null && !isHttpUrl(value)) throw validationError(`/${field}`, "must be an http or https URL");
    }
    if (input.locale !== undefined && input.locale !== null && !isLocale(input.locale)) {
      throw validationError("/locale", "must be a language tag such as en or zh-CN");
    }
    return {
      expiresAt,
      roleIds: [...new Set(input.roleIds ?? [])],
      rolesGiven: input.roleIds !== undefined,
      inviterUserId: input.inviterUserId ?? null,
      redirectUrl: input.redirectUrl ?? null,
      acceptUrl: input.acceptUrl ?? null,
      locale: input.locale ?? null,
      sendEmail: input.sendEmail ?? true,
    };
  }

  async get(tenantId: string, id: string): Promise<Invitation> {
    const row = await q.findInvitation(this.deps.db, tenantId, id);
    if (!row) throw new AppError("invitation_not_found", { detail: `invitation ${id} does not exist` });
    return toInvitation(row, this.viewContext(await this.deps.settings.get(tenantId), this.deps.clock.now()));
  }

  list(tenantId: string, options: ListOptions): Promise<Page<Invitation>> {
    return this.readPage(
      tenantId,
      options,
      (filter, page, now) => q.listInvitations(this.deps.db, tenantId, filter, { ...page, offset: options.offset }, now),
      (row, view) => toInvitation(row, view),
    );
  }

  /**
   * A list page in `layout` as its whole JSON body: on SQLite, most of each entry written by
   * the database (ADR 0011), by a list thread when there are any (ADR 0014); on PostgreSQL,
   * as its rows arrive (ADR 0027), from their plain columns (ADR 0029).
   */
  async listPage(tenantId: string, options: ListOptions, layout: InvitationDocument): Promise<Buffer> {
    const now = this.deps.clock.now();
    const settings = await this.deps.settings.get(tenantId);
    const { db, box, listThreads } = this.deps;
    const values: ListValues = {
      tenantId,
      organizationId: options.organizationId,
      email: options.email === undefined ? undefined : normalizeEmail(options.email),
      inviterUserId: options.inviterUserId,
      statuses: q.filterStatuses(options),
      now,
      // One row more than the page tells whether another follows.
      limit: options.limit + 1,
      // Read here, so a cursor that is not one is the caller's 400 before any thread is asked.
      after: decodeCursor(options.cursor),
    };
    const statements = this.listStatements(layout);
    const rows = statements.rows(values);
    const count = options.includeTotal ? statements.count(values) : undefined;
    const view: ListPageView = { limit: options.limit, now, defaultAcceptBase: this.viewContext(settings, now).defaultAcceptBase };
    const arriving = (rows.onePlan ? this.deps.listReads : undefined) ?? this.deps.rowsAsTheyArrive;
    if (arriving) return this.writeAsRowsArrive(arriving, { rows, count, view }, layout);
    const here = async () => {
      const [found, counted] = await Promise.all([
        db.executeQuery<q.InvitationDocumentRow>(CompiledQuery.raw(rows.sql, [...rows.parameters])),
        count && db.executeQuery<{ n: number | string }>(CompiledQuery.raw(count.sql, [...count.parameters])),
      ]);
      const n = counted?.rows[0]?.n;
      const out = new PageBytes(this.pageMemories.take());
      writeListPage(out, found.rows, n === undefined ? undefined : Number(n), layout.tail, box, view);
      return out.written;
    };
    if (!listThreads?.serves(layout)) return here();
    return listThreads.render({ rows, count, view }, here);
  }

  /** A PostgreSQL list page, written row by row as its rows arrive (ADR 0027). */
  private async writeAsRowsArrive(arriving: RowsAsTheyArrive, job: ListPageJob, layout: InvitationDocument): Promise<Buffer> {
    const { rows, count, view } = job;
    const out = new PageBytes(this.pageMemories.take());
    const page = new ListPageWriter(out, layout.tail, this.deps.box, view);
    let read: ((fields: RowFields, head: DocumentHead) => q.InvitationDocumentRow) | undefined;
    let head: DocumentHead | undefined;
    const [, counted] = await Promise.all([
      arriving.eachRow(
        rows.sql,
        rows.parameters,
        (columns, types) => {
          read = documentRowReader(columns, q.fieldRowValues(layout));
          head = layout.head(columns, types);
          page.columns(columns);
        },
        (fields) => page.row((read as NonNullable<typeof read>)(fields, head as DocumentHead)),
      ),
      count && this.deps.db.executeQuery<{ n: number | string }>(CompiledQuery.raw(count.sql, [...count.parameters])),
    ]);
    const n = counted?.rows[0]?.n;
    page.end(n === undefined ? undefined : Number(n));
    return out.written;
  }

  private listStatements(layout: InvitationDocument): ListStatements {
    let statements = this.statementsByLayout.get(layout);
    if (!statements) {
      statements = new ListStatements(this.deps.db, this.deps.kind, layout, this.deps.rowsAsTheyArrive ? "node" : "database");
      this.statementsByLayout.set(layout, statements);
    }
    return statements;
  }

  /**
   * Told that a list page has been handed to the socket: its memory goes back to the list
   * thread that wrote it (ADR 0014), or to the event loop's pages (ADR 0026). The body is
   * empty after.
   */
  pageSent(body: Buffer): void {
    if (!this.deps.listThreads?.reuse(body)) this.pageMemories.give(body);
  }

  /** One page of the filtered invitations: one row more than the page tells whether another follows. */
  private async readPage<R extends { created_at: number; id: string }, T>(
    tenantId: string,
    options: ListOptions,
    fetch: (filter: q.InvitationFilter, page: { limit: number; cursor?: string }, now: number) => Promise<R[]>,
    render: (row: R, view: ViewContext) => T,
  ): Promise<Page<T>> {
    const now = this.deps.clock.now();
    const filter = { ...options, email: options.email === undefined ? undefined : normalizeEmail(options.email) };
    const [rows, total, settings] = await Promise.all([
      fetch(filter, { limit: options.limit + 1, cursor: options.cursor }, now),
      options.includeTotal ? q.countInvitations(this.deps.db, tenantId, filter, now) : Promise.resolve(undefined),
      this.deps.settings.get(tenantId),
    ]);
    const view = this.viewContext(settings, now);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => render(row, view)),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.created_at, last.id) : null,
      ...(total !== undefined && { total }),
    };
  }

  viewContext(settings: TenantSettings, now: number): ViewContext {
    return { now, box: this.deps.box, defaultAcceptBase: settings.acceptUrl ?? `${this.deps.publicUrl}/accept` };
  }
}
