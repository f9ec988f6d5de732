import type { CapDecision, CappedCounts, HeldCount } from "../core/capped-counts.js";
import type { SecretBox } from "../core/crypto.js";
import { newToken } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { groupBy } from "../core/group-by.js";
import type { IdGenerator } from "../core/ids.js";
import { combineInserts } from "../db/bulk.js";
import type { DatabaseKind, Db } from "../db/database.js";
import type { InvitationRow } from "../db/schema.js";
import type { CapturedMail, CaptureItem, MailNames } from "../email/captured-mail.js";
import type { Outbox, QueuedInvitationEmail } from "../email/outbox.js";
import type { EventService, NewEvent } from "../events/event-service.js";
import type { LimitGuard } from "../limits/limit-guard.js";
import type { MemberService } from "../members/member-service.js";
import { lockAndCount } from "../organizations/organization-queries.js";
import type { TenantSettings } from "../settings/settings.js";
import { type CreateItemResult, type CreateJob, failureOf } from "./create-job.js";
import { toInvitation, type ViewContext } from "./invitation.js";
import * as q from "./invitation-queries.js";

export interface InvitationWriterDeps {
  kind: DatabaseKind;
  box: SecretBox;
  newId: IdGenerator;
  events: EventService;
  outbox: Outbox;
  captured: CapturedMail;
  limits: LimitGuard;
  members: Pick<MemberService, "countUpToMany">;
  pendingCounts: CappedCounts;
  viewContext: (settings: TenantSettings, now: number) => ViewContext;
}

/** Pending additions held for one organization until the transaction ends (ADR 0005). */
export interface PendingHold {
  key: string;
  held: HeldCount;
  /** What the attempt wrote for the organization, once it got that far. */
  created: number | undefined;
}

interface Written {
  job: CreateJob;
  item: CreateItemResult;
  row: InvitationRow;
  token: string;
}

/**
 * Writes create jobs inside a transaction the caller holds: the checks of every job in one
 * query, every new invitation, message and event in one statement each (ADR 0007). A job
 * written alone throws its failure, so its transaction rolls back; in a group a job's failure
 * is recorded on it and its rows are left out, and the other jobs commit.
 */
export class InvitationWriter {
  constructor(private readonly deps: InvitationWriterDeps) {}

  /**
   * `holds` receives the pending additions this attempt decides (ADR 0005); the caller settles
   * each once the transaction has ended, with what it committed.
   */
  async write(trx: Db, jobs: readonly CreateJob[], holds: PendingHold[]): Promise<void> {
    const alone = jobs.length === 1;
    const fail = (job: CreateJob, error: AppError) => {
      if (alone) throw error;
      job.failure = error;
    };
    // An atomic job ends at its first refused email.
    const failIfAtomic = (job: CreateJob) => {
      const failure = job.options.atomic && !job.failure ? failureOf(job.candidates) : undefined;
      if (failure) fail(job, failure);
    };
    const active = () => jobs.filter((job) => !job.failure);

    const names = await this.checkExistence(trx, jobs, fail);
    for (const job of active()) failIfAtomic(job);
    await this.checkPendingCaps(trx, active(), fail, holds);
    await this.checkSeats(trx, active(), fail);

    let { rows, inserted, conflicts } = await this.insert(trx, active());
    const refreshed = await this.resolveConflicts(trx, conflicts);
    for (const job of active()) failIfAtomic(job);

    // The per-recipient send limit counts the rows actually written, so a concurrent
    // duplicate answers "duplicate" instead of using up the recipient's allowance.
    // Asked all at once, in row order: a shared store answers them in one round trip.
    const sending = rows.filter(({ job, row }) => inserted.has(row.id) && !job.failure && job.common.sendEmail);
    // Settled all before a failure is thrown, so that every send counted is known and given back.
    const sent = await Promise.allSettled(sending.map(({ job, item }) => this.consumeSend(job, item)));
    const unreachable = sent.find((result) => result.status === "rejected");
    if (unreachable) throw unreachable.reason;
    sending.forEach(({ row }, at) => {
      if (sent[at]?.status === "fulfilled" && !sent[at].value) inserted.delete(row.id);
    });
    for (const job of active()) failIfAtomic(job);
    // Written rows that do not stay: refused sends, and the rows of jobs that failed in a group.
    const unwritten = new Set(conflicts);
    const dropped = rows.filter((r) => !unwritten.has(r) && (!inserted.has(r.row.id) || r.job.failure)).map((r) => r.row.id);
    if (dropped.length > 0) await trx.deleteFrom("invitations").where("id", "in", dropped).execute();
    for (const job of jobs) if (job.failure) await this.refundSends(job);

    rows = rows.filter((r) => inserted.has(r.row.id) && !r.job.failure);
    // The captured messages, their outbox rows and the events go as one statement (ADR 0015).
    await combineInserts(trx, this.deps.kind, async () => {
      const captured = await this.storeCaptured(trx, rows, names);
      const created = new Map<string, number>();
      for (const { job, item, row, token } of rows) {
        item.invitation = toInvitation(row, this.deps.viewContext(job.settings, job.now), token);
        created.set(pendingKey(job), (created.get(pendingKey(job)) ?? 0) + 1);
      }
      for (const hold of holds) hold.created = created.get(hold.key) ?? 0;
      await this.recordOutcome(trx, rows, refreshed, captured);
    });
  }

  /**
   * Stores the first email of every new invitation whose tenant captures mail. Rows were
   * written as sent; one whose email could not be rendered goes back to the queue.
   */
  private async storeCaptured(trx: Db, rows: readonly Written[], names: MailNames) {
    const items: CaptureItem[] = [];
    for (const { job, row } of rows) {
      if (job.capture && job.common.sendEmail) items.push({ row, settings: job.settings, target: job.capture, now: job.now });
    }
    if (items.length === 0) return { stored: new Set<string>(), events: [] as NewEvent[] };
    const { events, unrendered } = await this.deps.captured.store(trx, items, names);
    const stored = new Set(items.map((item) => item.row.id));
    for (const { row } of unrendered) {
      stored.delete(row.id);
      row.delivery_status = "queued";
      row.delivery_attempts = 0;
    }
    if (unrendered.length > 0) {
      await trx
        .updateTable("invitations")
        .set({ delivery_status: "queued", delivery_attempts: 0 })
        .where(
          "id",
          "in",
          unrendered.map((item) => item.row.id),
        )
        .execute();
    }
    return { stored, events };
  }

  /** Organization, inviter and roles exist in the job's tenant; no email is already a member. */
  private async checkExistence(trx: Db, jobs: readonly CreateJob[], fail: (job: CreateJob, error: AppError) => void) {
    const check = await q.precheckGroup(trx, this.deps.kind, {
      organizationIds: unique(jobs.map((job) => job.organizationId)),
      userIds: unique(jobs.flatMap((job) => (job.common.inviterUserId === null ? [] : [job.common.inviterUserId]))),
      roleIds: unique(jobs.flatMap((job) => job.common.roleIds)),
      memberTenantIds: unique(jobs.map((job) => job.tenantId)),
      memberEmails: unique(jobs.flatMap((job) => job.candidates.map((c) => c.email))),
    });
    for (const job of jobs) {
      const { tenantId, organizationId, common } = job;
      if (check.organizations.get(organizationId) !== tenantId) {
        fail(job, new AppError("organization_not_found", { detail: `organization ${organizationId} does not exist` }));
        continue;
      }
      if (common.inviterUserId !== null && check.users.get(common.inviterUserId) !== tenantId) {
        fail(job, new AppError("user_not_found", { detail: `inviter ${common.inviterUserId} does not exist` }));
        continue;
      }
      const missing = common.roleIds.filter((id) => check.roles.get(id) !== tenantId);
      if (missing.length > 0) {
        fail(
          job,
          new AppError("role_not_found", {
            detail: `unknown role ${missing.join(", ")}`,
            errors: missing.map((id) => ({ path: `/roleIds/${common.roleIds.indexOf(id)}`, message: `role ${id} does not exist` })),
          }),
        );
        continue;
      }
      for (const item of job.candidates) {
        if (check.members.has(q.memberKey(tenantId, organizationId, item.email))) {
          job.itemError(item, "invitee_already_member", `${item.email} is already a member`);
        }
      }
    }
    return check.names;
  }

  /**
   * The pending-per-organization cap, counted in the database only when this process has no
   * fresh count (ADR 0005); jobs of one organization in a group are counted in turn. The
   * organizations to count are locked and counted together, two statements for any number:
   * counts expire together, and one statement each would hold the group for two round trips
   * per organization.
   */
  private async checkPendingCaps(
    trx: Db,
    jobs: readonly CreateJob[],
    fail: (job: CreateJob, error: AppError) => void,
    holds: PendingHold[],
  ): Promise<void> {
    const counts = this.deps.pendingCounts;
    const toCount: Array<{ key: string; group: CreateJob[]; first: CreateJob; cap: number }> = [];
    for (const [key, group] of groupBy(jobs, pendingKey)) {
      const first = group[0] as CreateJob;
      const cap = first.settings.limits.pendingPerOrganization;
      if (cap <= 0) continue;
      const adding = group.reduce((n, job) => n + live(job).length, 0);
      const known = counts.peek(key, first.now, cap, adding);
      if (known === undefined) toCount.push({ key, group, first, cap });
      else this.decidePending(key, group, cap, { base: known }, fail, holds);
    }
    if (toCount.length === 0) return;
    const found = await this.countLocked(trx, toCount, q.countPendingMany);
    for (const { item, count } of found) {
      this.decidePending(item.key, item.group, item.cap, counts.counted(item.key, count, item.first.now), fail, holds);
    }
  }

  /**
   * The member limit counting pending invitations, for tenants that ask for it
   * (`limits.membersIncludePending`, ADR 0024): an organization's members and pending
   * invitations, with those its jobs add, stay within `membersPerOrganization`; its jobs are
   * admitted in turn, a job that does not fit is refused whole. Counted exactly under the
   * organization's lock, which every group counting it takes, so concurrent groups decide in
   * turn. An acceptance turns a pending invitation into a member and leaves the sum as it was.
   */
  private async checkSeats(trx: Db, jobs: readonly CreateJob[], fail: (job: CreateJob, error: AppError) => void): Promise<void> {
    const toCount: Array<{ group: CreateJob[]; first: CreateJob; cap: number }> = [];
    for (const group of groupBy(jobs, pendingKey).values()) {
      const first = group[0] as CreateJob;
      const { membersPerOrganization: cap, membersIncludePending } = first.settings.limits;
      if (membersIncludePending && cap > 0) toCount.push({ group, first, cap });
    }
    if (toCount.length === 0) return;
    // Members and pending invitations, each counted up to the cap, under the same lock.
    const found = await this.countLocked(trx, toCount, async (db, kind, counts) => {
      const members = await this.deps.members.countUpToMany(db, counts);
      const pending = await q.countPendingMany(db, kind, counts);
      return members.map((n, at) => n + (pending[at] ?? 0));
    });
    for (const { item, count } of found) {
      let added = 0;
      for (const job of item.group) {
        const adding = live(job).length;
        if (count + added + adding <= item.cap) {
          added += adding;
          continue;
        }
        fail(
          job,
          new AppError("member_limit_exceeded", {
            detail: `the organization has reached its limit of ${item.cap} members, counting its pending invitations`,
            limit: "membersPerOrganization",
            retryAfter: 3600,
          }),
        );
      }
    }
  }

  /**
   * The organizations of `items` locked and each counted by `count`, up to its cap, in one
   * statement for all (ADR 0017).
   */
  private countLocked<T extends { first: CreateJob; cap: number }>(trx: Db, items: readonly T[], count: typeof q.countPendingMany) {
    return lockAndCount(
      trx,
      this.deps.kind,
      items,
      ({ first }) => first.organizationId,
      (sorted) =>
        count(
          trx,
          this.deps.kind,
          sorted.map(({ first, cap }) => ({ tenantId: first.tenantId, organizationId: first.organizationId, cap, now: first.now })),
        ),
    );
  }

  /** Admits an organization's jobs in turn up to its cap and holds what they add. */
  private decidePending(
    key: string,
    group: readonly CreateJob[],
    cap: number,
    decision: CapDecision,
    fail: (job: CreateJob, error: AppError) => void,
    holds: PendingHold[],
  ): void {
    // From the decision to the hold nothing waits, so no other group decides in between.
    let added = 0;
    for (const job of group) {
      const count = live(job).length;
      if (decision.base + added + count > cap) {
        fail(
          job,
          new AppError("pending_limit_exceeded", {
            detail: `at most ${cap} pending invitations per organization`,
            limit: "pendingPerOrganization",
            retryAfter: 60,
          }),
        );
      } else {
        added += count;
      }
    }
    holds.push({ key, held: this.deps.pendingCounts.hold(key, added, decision), created: undefined });
  }

  /**
   * Inserts every live email; rows held back by the one-pending index are the conflicts. An
   * overdue pending invitation does not block: it is marked expired and the insert tried again.
   */
  private async insert(trx: Db, jobs: readonly CreateJob[]) {
    // One order for every group, so concurrent groups wait on each other's index entries
    // without deadlocking.
    const ordered = jobs
      .flatMap((job) => live(job).map((item) => ({ job, item })))
      .sort((a, b) => compare(a.job.organizationId, b.job.organizationId) || compare(a.item.email, b.item.email));
    let rows = ordered.map(({ job, item }) => this.rowFor(job, item));
    let inserted = await q.insertInvitationRows(
      trx,
      this.deps.kind,
      rows.map((r) => r.row),
    );
    let conflicts = rows.filter((r) => !inserted.has(r.row.id));
    if (conflicts.length > 0) {
      let expired = 0;
      for (const group of groupBy(conflicts, (c) => pendingKey(c.job)).values()) {
        const { job } = group[0] as Written;
        expired += await q.expireOverdue(
          trx,
          job.tenantId,
          job.organizationId,
          group.map((c) => c.item.email),
          job.now,
        );
      }
      if (expired > 0) {
        const retry = conflicts.map(({ job, item }) => this.rowFor(job, item));
        const again = await q.insertInvitationRows(
          trx,
          this.deps.kind,
          retry.map((r) => r.row),
        );
        rows = [...rows.filter((r) => inserted.has(r.row.id)), ...retry];
        inserted = new Set([...inserted, ...again]);
        conflicts = retry.filter((r) => !again.has(r.row.id));
      }
    }
    return { rows, inserted, conflicts };
  }

  /** A conflict is a duplicate, or (create-or-refresh) the pending invitation refreshed. */
  private async resolveConflicts(trx: Db, conflicts: readonly Written[]) {
    const refreshed: Array<{ job: CreateJob; row: InvitationRow }> = [];
    for (const { job, item } of conflicts) {
      const duplicate = () => job.itemError(item, "duplicate_pending_invitation", `${item.email} already has a pending invitation`);
      if (job.options.onPending !== "refresh") {
        duplicate();
        continue;
      }
      // The send is counted first, so a refused one leaves the pending invitation untouched.
      if (job.common.sendEmail && !(await this.consumeSend(job, item))) continue;
      const row = await q.refreshPending(trx, job.tenantId, job.organizationId, item.email, job.common, job.now);
      if (row) {
        refreshed.push({ job, row });
        item.invitation = toInvitation(row, this.deps.viewContext(job.settings, job.now));
        item.refreshed = true;
      } else {
        if (job.common.sendEmail) await this.refundSend(job, item.email);
        duplicate();
      }
    }
    return refreshed;
  }

  private async recordOutcome(
    trx: Db,
    created: readonly Written[],
    refreshed: ReadonlyArray<{ job: CreateJob; row: InvitationRow }>,
    captured: { stored: ReadonlySet<string>; events: readonly NewEvent[] },
  ) {
    const emails: QueuedInvitationEmail[] = [];
    const events: NewEvent[] = [];
    const queue = (job: CreateJob, invitationId: string, reason: QueuedInvitationEmail["reason"]) => {
      if (!job.common.sendEmail) return;
      emails.push({ tenantId: job.tenantId, invitationId, reason });
      job.emailsQueued = true;
    };
    for (const { job, row } of created) {
      if (!captured.stored.has(row.id)) queue(job, row.id, "invitation");
      events.push({
        tenantId: job.tenantId,
        actor: job.actor,
        type: "invitation.created",
        organizationId: job.organizationId,
        invitationId: row.id,
        data: { email: row.email, roleIds: job.common.roleIds, expiresAt: job.common.expiresAt },
      });
    }
    for (const { job, row } of refreshed) {
      if (job.failure) continue;
      queue(job, row.id, "reminder");
      events.push({
        tenantId: job.tenantId,
        actor: job.actor,
        type: "invitation.refreshed",
        organizationId: job.organizationId,
        invitationId: row.id,
        data: { expiresAt: row.expires_at },
      });
    }
    await this.deps.outbox.enqueueAll(trx, emails);
    await this.deps.events.recordAll(trx, [...events, ...captured.events]);
  }

  private async consumeSend(job: CreateJob, item: CreateItemResult): Promise<boolean> {
    const sent = await this.deps.limits.consumeSend(job.tenantId, item.email, job.settings);
    if (sent.allowed) {
      job.consumedSends.push(item.email);
      return true;
    }
    item.error = sent.error;
    item.invitation = undefined;
    item.refreshed = undefined;
    return false;
  }

  private async refundSend(job: CreateJob, email: string): Promise<void> {
    const at = job.consumedSends.indexOf(email);
    if (at >= 0) job.consumedSends.splice(at, 1);
    await this.deps.limits.refundSend(job.tenantId, email);
  }

  /** Gives back every send the job counted (its attempt did not commit, or it failed). */
  async refundSends(job: CreateJob): Promise<void> {
    await Promise.all(job.consumedSends.splice(0).map((email) => this.deps.limits.refundSend(job.tenantId, email)));
  }

  /** A new row; one whose email is captured at commit is written as sent at the first attempt. */
  private rowFor(job: CreateJob, item: CreateItemResult): Written {
    const { box, newId } = this.deps;
    const { common, now, input } = job;
    const token = newToken();
    const row: InvitationRow = {
      id: newId("inv"),
      tenant_id: job.tenantId,
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
      delivery_status: common.sendEmail ? (job.capture ? "sent" : "queued") : null,
      delivery_attempts: common.sendEmail && job.capture ? 1 : 0,
      delivery_error: null,
    };
    return { job, item, row, token };
  }
}

function pendingKey(job: CreateJob): string {
  return `${job.tenantId}:${job.organizationId}`;
}

function live(job: CreateJob): CreateItemResult[] {
  return job.candidates.filter((c) => !c.error);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
