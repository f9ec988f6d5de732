import type { Clock } from "../core/clock.js";
import { newToken, type SecretBox } from "../core/crypto.js";
import { isValidEmail, normalizeEmail } from "../core/email-address.js";
import { AppError, type ErrorCode, validationError } from "../core/errors.js";
import type { IdGenerator } from "../core/ids.js";
import type { Page } from "../core/pagination.js";
import { encodeCursor } from "../core/pagination.js";
import type { Db } from "../db/database.js";
import type { InvitationRow, NewInvitation } from "../db/schema.js";
import type { Outbox } from "../email/outbox.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { LimitGuard } from "../limits/limit-guard.js";
import type { TenantSettings } from "../settings/settings.js";
import type { SettingsService } from "../settings/settings-service.js";
import { isHttpUrl, isLocale } from "../settings/settings-service.js";
import { type Invitation, toInvitation, type ViewContext } from "./invitation.js";
import * as q from "./invitation-queries.js";
import { PendingCounts } from "./pending-counts.js";

export interface CreateInvitationsInput {
  organizationId: string;
  emails: string[];
  roleIds?: string[];
  inviterUserId?: string | null;
  /** Lifetime in seconds; or an absolute `expiresAt` in epoch milliseconds. */
  expiresIn?: number;
  expiresAt?: number;
  redirectUrl?: string | null;
  acceptUrl?: string | null;
  locale?: string | null;
  metadata?: Record<string, unknown> | null;
  extras?: Record<string, unknown> | null;
  sendEmail?: boolean;
}

export interface CreateOptions {
  /** All or nothing (default), or per-email results. */
  atomic?: boolean;
  /** What a pending, unexpired invitation for the same email means: an error, or a refresh. */
  onPending?: "conflict" | "refresh";
  /** Builds the JSON pointer of the i-th email in the caller's request, for error paths. */
  emailPath?: (index: number) => string;
}

export interface CreateItemResult {
  index: number;
  email: string;
  invitation?: Invitation;
  /** True when an existing pending invitation was refreshed instead of created. */
  refreshed?: boolean;
  error?: AppError;
}

export interface ListOptions extends q.InvitationFilter {
  limit: number;
  cursor?: string;
  offset?: number;
  includeTotal?: boolean;
}

export interface InvitationServiceDeps {
  db: Db;
  clock: Clock;
  newId: IdGenerator;
  box: SecretBox;
  events: EventService;
  settings: SettingsService;
  outbox: Outbox;
  limits: LimitGuard;
  publicUrl: string;
}

const HOUR_MS = 3_600_000;

export class InvitationService {
  private readonly pendingCounts = new PendingCounts();

  constructor(private readonly deps: InvitationServiceDeps) {}

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
   */
  async createMany(
    tenantId: string,
    actor: Actor,
    input: CreateInvitationsInput,
    options: CreateOptions = {},
  ): Promise<CreateItemResult[]> {
    const { db, clock, limits } = this.deps;
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
    if (atomic) throwIfFailed(results);

    const candidates = [...byEmail.values()];
    const createKey = `create:${tenantId}:${input.organizationId}`;
    const createLimit = settings.limits.invitationsPerOrganizationPerHour;
    const consumedSends: string[] = [];
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
      const created = await db
        .transaction()
        .execute((trx) =>
          this.writeInvitations(trx, tenantId, actor, input, common, settings, candidates, now, options, emailPath, atomic, consumedSends),
        );
      if (created.emailsQueued) this.deps.outbox.notify();
    } catch (error) {
      await limits.refund(createKey, HOUR_MS, candidates.length);
      for (const email of consumedSends) await limits.refundSend(tenantId, email);
      throw error;
    }
    // Items that failed inside the transaction (non-atomic) give their counters back.
    const failed = candidates.filter((c) => c.error !== undefined);
    if (failed.length > 0) {
      await limits.refund(createKey, HOUR_MS, failed.length);
      for (const item of failed) if (consumedSends.includes(item.email)) await limits.refundSend(tenantId, item.email);
    }
    return results.sort((a, b) => a.index - b.index);
  }

  private async writeInvitations(
    trx: Db,
    tenantId: string,
    actor: Actor,
    input: CreateInvitationsInput,
    common: CommonFields,
    settings: TenantSettings,
    candidates: CreateItemResult[],
    now: number,
    options: CreateOptions,
    emailPath: (i: number) => string,
    atomic: boolean,
    consumedSends: string[],
  ): Promise<{ emailsQueued: boolean }> {
    const { box, newId } = this.deps;
    const pendingCap = settings.limits.pendingPerOrganization;
    const pendingKey = `${tenantId}:${input.organizationId}`;
    const known = this.pendingCounts.peek(pendingKey, now, pendingCap, candidates.length);
    const check = await q.precheckCreate(
      trx,
      tenantId,
      input.organizationId,
      common.inviterUserId,
      common.roleIds,
      known === undefined ? pendingCap : 0,
      now,
      candidates.length === 1 ? (candidates[0]?.email ?? null) : null,
    );
    const pendingBefore = known ?? check.pending;
    if (!check.organization) {
      throw new AppError("organization_not_found", { detail: `organization ${input.organizationId} does not exist` });
    }
    if (!check.inviter) throw new AppError("user_not_found", { detail: `inviter ${common.inviterUserId} does not exist` });
    if (check.roles !== common.roleIds.length) {
      await this.explainMissingRoles(trx, tenantId, common.roleIds);
    }

    // One email (the common case) was checked by the precheck; a batch asks in one query.
    const members =
      candidates.length === 1
        ? new Set(check.member ? [candidates[0]?.email] : [])
        : await q.findMemberEmails(
            trx,
            tenantId,
            input.organizationId,
            candidates.map((c) => c.email),
          );
    for (const item of candidates) {
      if (!item.error && members.has(item.email)) {
        item.error = itemError("invitee_already_member", emailPath(item.index), `${item.email} is already a member`);
      }
    }
    if (atomic) throwIfFailed(candidates);
    let live = candidates.filter((c) => !c.error);
    if (pendingCap > 0 && pendingBefore + live.length > pendingCap) {
      throw new AppError("pending_limit_exceeded", {
        detail: `at most ${pendingCap} pending invitations per organization`,
        limit: "pendingPerOrganization",
        retryAfter: 60,
      });
    }

    const tokens = new Map<string, string>();
    const rowFor = (item: CreateItemResult): NewInvitation => {
      const token = newToken();
      const id = newId("inv");
      tokens.set(id, token);
      return {
        id,
        tenant_id: tenantId,
        organization_id: input.organizationId,
        email: item.email,
        email_display: (input.emails[item.index] ?? item.email).trim(),
        inviter_user_id: common.inviterUserId,
        role_ids: JSON.stringify(common.roleIds),
        status: "pending",
        expires_at: common.expiresAt,
        created_at: now,
        updated_at: now,
        accepted_at: null,
        accepted_user_id: null,
        revoked_at: null,
        declined_at: null,
        redirect_url: common.redirectUrl,
        accept_url: common.acceptUrl,
        locale: common.locale,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        extras: input.extras ? JSON.stringify(input.extras) : null,
        token_hash: box.lookupHash(token),
        token_cipher: box.encrypt(token),
        send_count: common.sendEmail ? 1 : 0,
        last_sent_at: common.sendEmail ? now : null,
        delivery_status: common.sendEmail ? "queued" : null,
        delivery_attempts: 0,
        delivery_error: null,
      };
    };

    let rows = live.map((item) => ({ item, row: rowFor(item) }));
    let inserted = await q.insertInvitations(
      trx,
      rows.map((r) => r.row),
    );
    let conflicts = rows.filter((r) => !inserted.has(r.row.id as string));
    if (conflicts.length > 0) {
      // An overdue pending invitation does not block: mark it expired and try once more.
      const expired = await q.expireOverdue(
        trx,
        tenantId,
        input.organizationId,
        conflicts.map((c) => c.item.email),
        now,
      );
      if (expired > 0) {
        const retry = conflicts.map(({ item }) => ({ item, row: rowFor(item) }));
        const again = await q.insertInvitations(
          trx,
          retry.map((r) => r.row),
        );
        rows = [...rows.filter((r) => inserted.has(r.row.id as string)), ...retry];
        inserted = new Set([...inserted, ...again]);
        conflicts = retry.filter((r) => !again.has(r.row.id as string));
      }
    }

    const view = this.viewContext(settings, now);
    let refreshedRows: InvitationRow[] = [];
    if (conflicts.length > 0 && options.onPending === "refresh") {
      for (const { item } of conflicts) {
        const row = await this.refreshPending(trx, tenantId, input.organizationId, item.email, common, now);
        if (row) {
          refreshedRows.push(row);
          item.invitation = toInvitation(row, view);
          item.refreshed = true;
        } else {
          item.error = itemError("duplicate_pending_invitation", emailPath(item.index), `${item.email} already has a pending invitation`);
        }
      }
    } else {
      for (const { item } of conflicts) {
        item.error = itemError("duplicate_pending_invitation", emailPath(item.index), `${item.email} already has a pending invitation`);
      }
    }
    if (atomic) throwIfFailed(candidates);

    if (common.sendEmail) {
      const refused = await this.consumeSends(tenantId, settings, candidates, inserted, rows, consumedSends);
      if (atomic) throwIfFailed(candidates);
      if (refused.length > 0) await trx.deleteFrom("invitations").where("id", "in", refused).execute();
      refreshedRows = refreshedRows.filter((row) => candidates.some((c) => c.refreshed && c.invitation?.id === row.id));
    }

    const created = rows.filter((r) => inserted.has(r.row.id as string));
    if (pendingCap > 0) this.pendingCounts.record(pendingKey, pendingBefore + created.length, known === undefined ? now : undefined);
    for (const { item, row } of created) {
      item.invitation = toInvitation(row as InvitationRow, view, tokens.get(row.id as string));
    }
    live = candidates.filter((c) => c.invitation);
    if (common.sendEmail && live.length > 0) {
      await this.deps.outbox.enqueueInvitationEmails(trx, tenantId, [
        ...created.map(({ row }) => ({ invitationId: row.id as string, reason: "invitation" as const })),
        ...refreshedRows.map((row) => ({ invitationId: row.id, reason: "reminder" as const })),
      ]);
    }
    await this.deps.events.recordMany(
      trx,
      tenantId,
      actor,
      "invitation.created",
      created.map(({ row }) => ({
        organizationId: input.organizationId,
        invitationId: row.id as string,
        data: { email: row.email, roleIds: common.roleIds, expiresAt: common.expiresAt },
      })),
    );
    await this.deps.events.recordMany(
      trx,
      tenantId,
      actor,
      "invitation.refreshed",
      refreshedRows.map((row) => ({
        organizationId: input.organizationId,
        invitationId: row.id,
        data: { expiresAt: row.expires_at },
      })),
    );
    return { emailsQueued: common.sendEmail && live.length > 0 };
  }

  /**
   * Counts the per-recipient send limit for the rows actually written, so concurrent duplicates
   * answer "duplicate" instead of using up the recipient's allowance. Returns the ids of new
   * rows whose send was refused (per-item batches remove them again).
   */
  private async consumeSends(
    tenantId: string,
    settings: TenantSettings,
    candidates: CreateItemResult[],
    inserted: Set<string>,
    rows: Array<{ item: CreateItemResult; row: NewInvitation }>,
    consumedSends: string[],
  ): Promise<string[]> {
    const refused: string[] = [];
    const written = rows.filter((r) => inserted.has(r.row.id as string));
    const items = [
      ...written.map((r) => ({ item: r.item, id: r.row.id as string })),
      ...candidates.filter((c) => c.refreshed).map((item) => ({ item, id: "" })),
    ];
    for (const { item, id } of items) {
      const sent = await this.deps.limits.consumeSend(tenantId, item.email, settings);
      if (sent.allowed) {
        consumedSends.push(item.email);
      } else {
        item.error = sent.error;
        item.invitation = undefined;
        item.refreshed = undefined;
        if (id) {
          inserted.delete(id);
          refused.push(id);
        }
      }
    }
    return refused;
  }

  private async refreshPending(trx: Db, tenantId: string, organizationId: string, email: string, common: CommonFields, now: number) {
    return trx
      .updateTable("invitations")
      .set((eb) => ({
        expires_at: common.expiresAt,
        updated_at: now,
        ...(common.rolesGiven && { role_ids: JSON.stringify(common.roleIds) }),
        ...(common.redirectUrl !== null && { redirect_url: common.redirectUrl }),
        ...(common.sendEmail && {
          send_count: eb("send_count", "+", 1),
          last_sent_at: now,
          delivery_status: "queued" as const,
          delivery_attempts: 0,
          delivery_error: null,
        }),
      }))
      .where("tenant_id", "=", tenantId)
      .where("organization_id", "=", organizationId)
      .where("email", "=", email)
      .where("status", "=", "pending")
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
  }

  private async explainMissingRoles(trx: Db, tenantId: string, roleIds: string[]): Promise<never> {
    const found = await trx.selectFrom("roles").select("id").where("tenant_id", "=", tenantId).where("id", "in", roleIds).execute();
    const known = new Set(found.map((r) => r.id));
    const missing = roleIds.filter((id) => !known.has(id));
    throw new AppError("role_not_found", {
      detail: `unknown role ${missing.join(", ")}`,
      errors: missing.map((id) => ({ path: `/roleIds/${roleIds.indexOf(id)}`, message: `role ${id} does not exist` })),
    });
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

  async list(tenantId: string, options: ListOptions): Promise<Page<Invitation>> {
    const now = this.deps.clock.now();
    const filter = { ...options, email: options.email === undefined ? undefined : normalizeEmail(options.email) };
    const [rows, total, settings] = await Promise.all([
      q.listInvitations(this.deps.db, tenantId, filter, { limit: options.limit + 1, cursor: options.cursor, offset: options.offset }, now),
      options.includeTotal ? q.countInvitations(this.deps.db, tenantId, filter, now) : Promise.resolve(undefined),
      this.deps.settings.get(tenantId),
    ]);
    const view = this.viewContext(settings, now);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => toInvitation(row, view)),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.created_at, last.id) : null,
      ...(total !== undefined && { total }),
    };
  }

  viewContext(settings: TenantSettings, now: number): ViewContext {
    return { now, box: this.deps.box, defaultAcceptBase: settings.acceptUrl ?? `${this.deps.publicUrl}/accept` };
  }
}

interface CommonFields {
  expiresAt: number;
  roleIds: string[];
  /** A refresh replaces the roles only when the request names them. */
  rolesGiven: boolean;
  inviterUserId: string | null;
  redirectUrl: string | null;
  acceptUrl: string | null;
  locale: string | null;
  sendEmail: boolean;
}

function itemError(code: ErrorCode, path: string, message: string): AppError {
  return new AppError(code, { detail: message, errors: [{ path, message, code }] });
}

/** The first failure's code, with every failure listed in `errors`. */
function throwIfFailed(results: CreateItemResult[]): void {
  const failed = results.filter((r) => r.error);
  const first = failed[0]?.error;
  if (!first) return;
  if (failed.length === 1) throw first;
  throw new AppError(first.code, {
    detail: `${failed.length} emails were refused; nothing was created`,
    errors: failed.flatMap((r) => r.error?.errors ?? []),
    retryAfter: first.retryAfter,
    limit: first.limit,
  });
}
