import { sql } from "kysely";
import { BatchedLookup } from "../core/batched-lookup.js";
import { CappedCounts } from "../core/capped-counts.js";
import type { Clock } from "../core/clock.js";
import type { SecretBox } from "../core/crypto.js";
import { AppError, validationError } from "../core/errors.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { GroupCommit } from "../db/group-commit.js";
import type { InvitationRow } from "../db/schema.js";
import type { Outbox } from "../email/outbox.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { LimitGuard } from "../limits/limit-guard.js";
import type { MemberService, Membership } from "../members/member-service.js";
import type { RoleService } from "../roles/role-service.js";
import { isHttpUrl, isLocale, type SettingsService } from "../settings/settings-service.js";
import type { User, UserService } from "../users/user-service.js";
import {
  type AcceptGroupDeps,
  type AcceptJob,
  acceptanceEvents,
  decideMembers,
  grantableRoles,
  type MemberHold,
  writeAcceptGroup,
} from "./accept-group.js";
import { effectiveStatus, type Invitation, toInvitation } from "./invitation.js";
import * as q from "./invitation-queries.js";
import type { InvitationService } from "./invitation-service.js";

export interface AcceptResult {
  invitation: Invitation;
  membership: Membership;
  user: User;
  redirectUrl: string | null;
}

export interface InvitationPreview {
  invitation: Invitation;
  organization: { id: string; name: string };
  inviter: { id: string; name: string | null; email: string } | null;
  roles: Array<{ id: string; name: string }>;
  brandName: string | null;
  tenantLocale: string;
}

export interface ResendOptions {
  expiresIn?: number;
  /** Leave the expiry as it is (dialects whose resend only sends the message). */
  keepExpiry?: boolean;
  acceptUrl?: string;
  locale?: string;
}

export interface LifecycleDeps {
  db: Db;
  kind: DatabaseKind;
  clock: Clock;
  box: SecretBox;
  events: EventService;
  settings: SettingsService;
  outbox: Outbox;
  limits: LimitGuard;
  users: UserService;
  members: MemberService;
  invitations: InvitationService;
  roles: RoleService;
}

const ACCEPT_GROUP_LIMITS = {
  sqlite: { maxItems: 100, concurrency: 1 },
  postgres: { maxItems: 100, concurrency: 4 },
} as const;

/** What may change on a pending invitation; absent fields stay as they are. */
export interface InvitationChanges {
  roleIds?: string[];
  redirectUrl?: string | null;
}

/**
 * Every transition of the lifecycle (ADR 0001). Each is one conditional write, so two racing
 * transitions cannot both succeed; acceptance and the membership commit together.
 */
export class LifecycleService {
  /** What acceptances are written with, members per organization among it (ADR 0005). */
  private readonly groupDeps: AcceptGroupDeps;
  private readonly accepts: GroupCommit<AcceptJob>;
  /** Token lookups of the same turn in one query. */
  private readonly tokenLookups: BatchedLookup<InvitationRow>;

  constructor(private readonly deps: LifecycleDeps) {
    this.groupDeps = { ...deps, memberCounts: new CappedCounts() };
    this.tokenLookups = new BatchedLookup((hashes) => q.findInvitationsByTokenHash(deps.db, deps.kind, hashes));
    this.accepts = new GroupCommit(
      (jobs) => this.writeAccepts(jobs),
      ACCEPT_GROUP_LIMITS[deps.kind],
      // One person per group: their user and memberships are written by one acceptance only.
      (job) => `${job.row.tenant_id}\u0000${job.row.email}`,
    );
  }

  /** How acceptances were grouped so far (ADR 0010). */
  get groupStats(): Readonly<{ groups: number; items: number; largest: number }> {
    return this.accepts.stats;
  }

  async revoke(tenantId: string, actor: Actor, id: string): Promise<Invitation> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await q.transitionPending(trx, tenantId, id, now, { status: "revoked", revoked_at: now });
      if (!row) await this.explainNotPending(trx, tenantId, id, now);
      await this.deps.events.record(trx, tenantId, actor, "invitation.revoked", {
        organizationId: row?.organization_id ?? null,
        invitationId: id,
      });
    });
    return this.deps.invitations.get(tenantId, id);
  }

  /**
   * Sends the email again while pending. The expiry moves to at least the tenant's default
   * lifetime from now, or to `expiresIn` seconds when given, or stays with `keepExpiry`.
   * `acceptUrl` and `locale`, when given, replace the invitation's own for this and later emails.
   */
  async resend(tenantId: string, actor: Actor, id: string, options: ResendOptions = {}): Promise<Invitation> {
    const settings = await this.deps.settings.get(tenantId);
    const now = this.deps.clock.now();
    const current = await q.findInvitation(this.deps.db, tenantId, id);
    if (!current) throw new AppError("invitation_not_found", { detail: `invitation ${id} does not exist` });
    const { defaultSeconds, maxSeconds } = settings.invitationLifetime;
    if (options.expiresIn !== undefined && (options.expiresIn < 1 || options.expiresIn > maxSeconds)) {
      throw new AppError("validation_failed", {
        detail: `expiresIn must be between 1 and ${maxSeconds} seconds`,
        errors: [{ path: "/expiresIn", message: `must be between 1 and ${maxSeconds}` }],
      });
    }
    if (options.acceptUrl !== undefined && !isHttpUrl(options.acceptUrl)) {
      throw validationError("/acceptUrl", "must be an http or https URL");
    }
    if (options.locale !== undefined && !isLocale(options.locale)) {
      throw validationError("/locale", "must be a language tag such as en or zh-CN");
    }
    const expiresAt = options.keepExpiry
      ? current.expires_at
      : options.expiresIn !== undefined
        ? now + options.expiresIn * 1000
        : Math.max(current.expires_at, now + defaultSeconds * 1000);
    if (effectiveStatus(current, now) === "pending") {
      const sent = await this.deps.limits.consumeSend(tenantId, current.email, settings);
      if (!sent.allowed && sent.error) throw sent.error;
    }
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        const row = await q.transitionPending(trx, tenantId, id, now, {
          expires_at: expiresAt,
          send_count: sql<number>`send_count + 1`,
          last_sent_at: now,
          delivery_status: "queued",
          delivery_attempts: 0,
          delivery_error: null,
          ...(options.acceptUrl !== undefined && { accept_url: options.acceptUrl }),
          ...(options.locale !== undefined && { locale: options.locale }),
        });
        if (!row) await this.explainNotPending(trx, tenantId, id, now);
        await this.deps.outbox.enqueueInvitationEmails(trx, tenantId, [{ invitationId: id, reason: "reminder" }]);
        await this.deps.events.record(trx, tenantId, actor, "invitation.resent", {
          organizationId: current.organization_id,
          invitationId: id,
          data: { expiresAt },
        });
      });
    } catch (error) {
      await this.deps.limits.refundSend(tenantId, current.email);
      throw error;
    }
    this.deps.outbox.notify();
    return this.deps.invitations.get(tenantId, id);
  }

  /** Removes an ended invitation (or any, with `anyStatus`, as the Logto dialect does). */
  async delete(tenantId: string, actor: Actor, id: string, options: { anyStatus?: boolean } = {}): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      let query = trx.deleteFrom("invitations").where("tenant_id", "=", tenantId).where("id", "=", id);
      if (!options.anyStatus) {
        query = query.where((eb) => eb.or([eb("status", "!=", "pending"), eb("expires_at", "<=", now)]));
      }
      const row = await query.returning(["organization_id"]).executeTakeFirst();
      if (!row) {
        const existing = await q.findInvitation(trx, tenantId, id);
        if (!existing) throw new AppError("invitation_not_found", { detail: `invitation ${id} does not exist` });
        throw new AppError("invitation_pending", { detail: "revoke a pending invitation before deleting it" });
      }
      await this.deps.events.record(trx, tenantId, actor, "invitation.deleted", {
        organizationId: row.organization_id,
        invitationId: id,
      });
    });
  }

  /** Admin acceptance on behalf of an existing user whose email matches the invitation. */
  async acceptForUser(tenantId: string, actor: Actor, id: string, userId: string): Promise<AcceptResult> {
    const row = await q.findInvitation(this.deps.db, tenantId, id);
    if (!row) throw new AppError("invitation_not_found", { detail: `invitation ${id} does not exist` });
    return this.acceptAsUser(row, await this.deps.users.get(tenantId, userId), actor);
  }

  /** Acceptance by an existing user, who must have the invited email. */
  async acceptAsUser(row: InvitationRow, user: User, actor: Actor): Promise<AcceptResult> {
    if (user.email !== row.email) {
      throw new AppError("invitee_email_mismatch", { detail: "the user's email is not the invited email" });
    }
    return this.accept(row, user, actor);
  }

  /** What the invitee's page shows. Unknown tokens count as failed attempts. */
  async preview(token: string, address: string): Promise<InvitationPreview> {
    const row = await this.findByToken(token, address);
    const settings = await this.deps.settings.get(row.tenant_id);
    const view = this.deps.invitations.viewContext(settings, this.deps.clock.now());
    const db = this.deps.db;
    const [organization, inviter, roles] = await Promise.all([
      db.selectFrom("organizations").select(["id", "name"]).where("id", "=", row.organization_id).executeTakeFirstOrThrow(),
      row.inviter_user_id
        ? db.selectFrom("users").select(["id", "name", "email"]).where("id", "=", row.inviter_user_id).executeTakeFirst()
        : Promise.resolve(undefined),
      this.roleNames(row),
    ]);
    return {
      invitation: toInvitation(row, view),
      organization,
      inviter: inviter ?? null,
      roles,
      brandName: settings.brandName,
      tenantLocale: settings.locale,
    };
  }

  /** The invitee accepts with the token; a user is created from the invited email if needed. */
  async acceptByToken(token: string, address: string, input: { name?: string | null } = {}): Promise<AcceptResult> {
    const row = await this.findByToken(token, address);
    return this.accept(row, null, { type: "invitee", id: null }, input.name ?? null);
  }

  async declineByToken(token: string, address: string): Promise<Invitation> {
    const row = await this.findByToken(token, address);
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const updated = await q.transitionPending(trx, row.tenant_id, row.id, now, { status: "declined", declined_at: now });
      if (!updated) await this.explainNotPending(trx, row.tenant_id, row.id, now);
      await this.deps.events.record(trx, row.tenant_id, { type: "invitee", id: null }, "invitation.declined", {
        organizationId: row.organization_id,
        invitationId: row.id,
      });
    });
    return this.deps.invitations.get(row.tenant_id, row.id);
  }

  /** Looks a token up by its keyed hash; a miss is a failed attempt for this address. */
  async findByToken(token: string, address: string): Promise<InvitationRow> {
    await this.deps.limits.requireTokenAttemptsLeft(address);
    const row = token.length >= 20 && token.length <= 128 ? await this.tokenLookups.load(this.deps.box.lookupHash(token)) : undefined;
    if (!row) {
      await this.deps.limits.recordFailedTokenAttempt(address);
      throw new AppError("invitation_not_found", { detail: "no invitation matches this token" });
    }
    return row;
  }

  /**
   * Accepts the invitation for this user, or for the user with the invited email (created if
   * there is none). Acceptances that wait at the same time are written together (ADR 0010).
   */
  async accept(row: InvitationRow, knownUser: User | null, actor: Actor, name: string | null = null): Promise<AcceptResult> {
    const tenantId = row.tenant_id;
    const settings = await this.deps.settings.get(tenantId);
    const now = this.deps.clock.now();
    const job: AcceptJob = { row, knownUser, actor, name, memberLimit: settings.limits.membersPerOrganization };
    await this.accepts.submit(job);
    const outcome = job.outcome;
    if (!outcome) throw new Error("an acceptance committed without its outcome");
    // The claimed row is the invitation as committed: nothing else changes it in the transaction.
    const invitation = toInvitation(outcome.claimed, this.deps.invitations.viewContext(settings, now));
    return { invitation, membership: outcome.membership, user: outcome.user, redirectUrl: row.redirect_url };
  }

  /** A group of one is written alone; a larger group together, or each alone if it cannot be. */
  private async writeAccepts(jobs: AcceptJob[]): Promise<void> {
    for (const job of jobs) job.outcome = undefined;
    const [only] = jobs;
    // Members decided by this attempt are held until its transaction ends (ADR 0005).
    const holds: MemberHold[] = [];
    try {
      if (jobs.length === 1 && only) await this.acceptAlone(only, holds);
      else await this.deps.db.transaction().execute((trx) => writeAcceptGroup(trx, this.groupDeps, jobs, holds));
    } catch (error) {
      for (const { held } of holds) held.settle();
      throw error;
    }
    for (const { held, joined } of holds) held.settle(joined);
  }

  /**
   * The acceptance transaction: the organization locked if its members are to be counted, the
   * conditional claim, then the membership re-check, the member limit and the membership with
   * the roles that still exist.
   */
  private async acceptAlone(job: AcceptJob, holds: MemberHold[]): Promise<void> {
    const { row, actor, memberLimit } = job;
    const tenantId = row.tenant_id;
    const now = this.deps.clock.now();
    job.outcome = await this.deps.db.transaction().execute(async (trx) => {
      let user = job.knownUser;
      let userCreated = false;
      if (!user) {
        const found = await this.deps.users.findOrCreateByEmail(trx, tenantId, row.email, job.name);
        user = found.user;
        userCreated = found.created;
      }
      // The organization before the invitation, as a group locks them: in the other order, an
      // acceptance alone and a group holding the same invitation each waited for the other.
      const members = memberLimit > 0 ? await decideMembers(trx, this.groupDeps, job, memberLimit, 1, now, holds) : 0;
      const claimed = await q.transitionPending(trx, tenantId, row.id, now, {
        status: "accepted",
        accepted_at: now,
        accepted_user_id: user.id,
      });
      if (!claimed) return this.explainNotPending(trx, tenantId, row.id, now);
      if (await this.deps.members.isMember(trx, row.organization_id, user.id))
        throw new AppError("invitee_already_member", { detail: "the invitee is already a member of the organization" });
      if (memberLimit > 0 && members >= memberLimit) {
        throw new AppError("member_limit_exceeded", {
          detail: `the organization has reached its limit of ${memberLimit} members`,
          limit: "membersPerOrganization",
          retryAfter: 3600,
        });
      }
      const wanted = JSON.parse(claimed.role_ids) as string[];
      const existing = wanted.length === 0 ? [] : (await grantableRoles(trx, this.deps.kind, wanted, tenantId)).map((r) => r.id);
      const membership = await this.deps.members.insert(
        trx,
        tenantId,
        row.organization_id,
        user.id,
        wanted.filter((id) => existing.includes(id)),
      );
      await this.deps.events.recordAll(trx, acceptanceEvents(row, actor, user, userCreated, membership));
      return { user, membership, claimed, members };
    });
  }

  private async roleNames(row: InvitationRow) {
    const ids = JSON.parse(row.role_ids) as string[];
    if (ids.length === 0) return [];
    return this.deps.db
      .selectFrom("roles")
      .select(["id", "name"])
      .where("tenant_id", "=", row.tenant_id)
      .where("id", "in", ids)
      .orderBy("name")
      .execute();
  }

  /** Zero rows changed: say why, as a typed error. */
  private async explainNotPending(db: Db, tenantId: string, id: string, now: number): Promise<never> {
    const row = await q.findInvitation(db, tenantId, id);
    if (!row) throw new AppError("invitation_not_found", { detail: `invitation ${id} does not exist` });
    const status = effectiveStatus(row, now);
    if (status === "expired") throw new AppError("invitation_expired", { detail: "the invitation has expired" });
    throw new AppError("invitation_not_pending", { detail: `the invitation is ${status}` });
  }

  /**
   * Changes a pending invitation's roles or redirect URL: one conditional write (pending and
   * unexpired), the roles checked in the same transaction, and an `invitation.updated` event.
   */
  async update(tenantId: string, actor: Actor, id: string, changes: InvitationChanges): Promise<Invitation> {
    const { redirectUrl } = changes;
    if (redirectUrl !== undefined && redirectUrl !== null && !isHttpUrl(redirectUrl)) {
      throw validationError("/redirectUrl", "must be an http or https URL");
    }
    const roleIds = changes.roleIds === undefined ? undefined : [...new Set(changes.roleIds)];
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await q.transitionPending(trx, tenantId, id, now, {
        ...(roleIds !== undefined && { role_ids: JSON.stringify(roleIds) }),
        ...(redirectUrl !== undefined && { redirect_url: redirectUrl }),
      });
      if (!row) await this.explainNotPending(trx, tenantId, id, now);
      if (roleIds !== undefined) await this.deps.roles.findAll(trx, tenantId, roleIds);
      await this.deps.events.record(trx, tenantId, actor, "invitation.updated", {
        organizationId: row?.organization_id ?? null,
        invitationId: id,
        data: { ...(roleIds !== undefined && { roleIds }), ...(redirectUrl !== undefined && { redirectUrl }) },
      });
    });
    return this.deps.invitations.get(tenantId, id);
  }
}
