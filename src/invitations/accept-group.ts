import type { CapDecision, CappedCounts, HeldCount } from "../core/capped-counts.js";
import type { Clock } from "../core/clock.js";
import { groupBy } from "../core/group-by.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { oneOf } from "../db/lists.js";
import type { InvitationRow } from "../db/schema.js";
import type { Actor, EventService, NewEvent } from "../events/event-service.js";
import type { MemberService, Membership } from "../members/member-service.js";
import { lockAndCount, lockOrganizationForCount } from "../organizations/organization-queries.js";
import type { User, UserService } from "../users/user-service.js";
import * as q from "./invitation-queries.js";

/** One acceptance waiting to be written (ADR 0010). */
export interface AcceptJob {
  row: InvitationRow;
  knownUser: User | null;
  actor: Actor;
  name: string | null;
  memberLimit: number;
  outcome?: AcceptOutcome;
}

export interface AcceptOutcome {
  user: User;
  membership: Membership;
  /** The invitation as committed. */
  claimed: InvitationRow;
  /** Members before this one joined. */
  members: number;
}

/** The organization whose members an acceptance counts (ADR 0005). */
export function memberCountKey(row: InvitationRow): string {
  return `${row.tenant_id}:${row.organization_id}`;
}

/**
 * The members of the job's organization before `joining` more join: from this process's
 * count when it is good enough, otherwise counted under the organization's lock. The joining
 * members are held at once, before anything else can decide (ADR 0005).
 */
export async function decideMembers(
  trx: Db,
  deps: Pick<AcceptGroupDeps, "kind" | "members" | "memberCounts">,
  first: AcceptJob,
  limit: number,
  joining: number,
  now: number,
  holds: MemberHold[],
): Promise<number> {
  const key = memberCountKey(first.row);
  const counts = deps.memberCounts;
  const known = counts.peek(key, now, limit, joining);
  let decision: CapDecision = { base: known ?? 0 };
  if (known === undefined) {
    await lockOrganizationForCount(trx, deps.kind, first.row.organization_id);
    decision = counts.counted(key, await deps.members.countUpTo(trx, first.row.tenant_id, first.row.organization_id, limit), now);
  }
  holds.push({ held: counts.hold(key, joining, decision), joined: joining });
  return decision.base;
}

/** Members held for an organization until the transaction ends, and how many it committed. */
export interface MemberHold {
  held: HeldCount;
  joined: number;
}

/**
 * Something the group cannot write as a whole: an invitation no longer pending, a membership
 * that exists, a member limit reached, a user created concurrently. The group's transaction
 * is rolled back and each acceptance is written again alone, which answers it exactly.
 */
export class AcceptGroupConflict extends Error {
  constructor(reason: string) {
    super(`acceptance group rolled back: ${reason}`);
  }
}

export interface AcceptGroupDeps {
  kind: DatabaseKind;
  clock: Clock;
  users: UserService;
  members: MemberService;
  events: EventService;
  memberCounts: CappedCounts;
}

/**
 * Writes several acceptances, all of different (tenant, email), in the caller's transaction
 * with one statement per step instead of one per acceptance: users found or created, member
 * limits checked, invitations claimed, memberships with their roles inserted, events recorded.
 * It only ever writes a group in which every acceptance succeeds; anything else throws
 * `AcceptGroupConflict`.
 */
export async function writeAcceptGroup(trx: Db, deps: AcceptGroupDeps, jobs: readonly AcceptJob[], holds: MemberHold[]): Promise<void> {
  const now = deps.clock.now();
  const needUser = jobs.filter((job) => job.knownUser === null);
  const found = await deps.users.findOrCreateAllByEmail(
    trx,
    needUser.map((job) => ({ tenantId: job.row.tenant_id, email: job.row.email, name: job.name })),
  );
  const users = new Map<AcceptJob, { user: User; created: boolean }>();
  needUser.forEach((job, i) => {
    const result = found[i];
    if (!result) throw new AcceptGroupConflict("a user was created concurrently");
    users.set(job, result);
  });
  for (const job of jobs) if (job.knownUser) users.set(job, { user: job.knownUser, created: false });
  const userOf = (job: AcceptJob) => users.get(job) ?? unreachable();

  const before = await membersBefore(trx, deps, jobs, now, holds);

  const claims = await q.acceptPending(
    trx,
    deps.kind,
    jobs.map((job) => ({ tenantId: job.row.tenant_id, id: job.row.id, userId: userOf(job).user.id })),
    now,
  );
  if (claims.length !== jobs.length) throw new AcceptGroupConflict("an invitation is no longer pending");
  const claimed = new Map(claims.map((row) => [row.id, row]));
  const claimOf = (job: AcceptJob) => claimed.get(job.row.id) ?? unreachable();

  const wanted = jobs.map((job) => JSON.parse(claimOf(job).role_ids) as string[]);
  const roleIds = [...new Set(wanted.flat())];
  const existing = new Set(
    roleIds.length === 0 ? [] : (await grantableRoles(trx, deps.kind, roleIds)).map((r) => `${r.tenant_id}:${r.id}`),
  );
  const memberships = await deps.members.insertAll(
    trx,
    jobs.map((job, i) => ({
      tenantId: job.row.tenant_id,
      organizationId: job.row.organization_id,
      userId: userOf(job).user.id,
      roleIds: (wanted[i] ?? []).filter((id) => existing.has(`${job.row.tenant_id}:${id}`)),
    })),
  );
  if (!memberships) throw new AcceptGroupConflict("a membership exists already");

  const events: NewEvent[] = [];
  jobs.forEach((job, i) => {
    const { user, created } = userOf(job);
    const membership = memberships[i] ?? unreachable();
    events.push(...acceptanceEvents(job.row, job.actor, user, created, membership));
    job.outcome = { user, membership, claimed: claimOf(job), members: before.get(job) ?? 0 };
  });
  await deps.events.recordAll(trx, events);
}

/**
 * The invitation's roles that still exist, to grant. On PostgreSQL they are locked against
 * deletion (`for key share`) until the acceptance commits: a role deleted between this read and
 * the insert of the membership's roles failed the acceptance on the foreign key. A role deleted
 * first is simply not granted.
 */
export async function grantableRoles(trx: Db, kind: DatabaseKind, roleIds: readonly string[], tenantId?: string) {
  let query = trx
    .selectFrom("roles")
    .select(["tenant_id", "id"])
    .where(oneOf(kind, "id", roleIds));
  if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
  return (kind === "postgres" ? query.forKeyShare() : query).execute();
}

/** What an acceptance records: the user made for it, if any, and the acceptance itself. */
export function acceptanceEvents(row: InvitationRow, actor: Actor, user: User, userCreated: boolean, membership: Membership): NewEvent[] {
  const tenantId = row.tenant_id;
  return [
    ...(userCreated ? [{ tenantId, actor, type: "user.created", userId: user.id }] : []),
    {
      tenantId,
      actor,
      type: "invitation.accepted",
      organizationId: row.organization_id,
      invitationId: row.id,
      userId: user.id,
      data: { roleIds: membership.roleIds },
    },
  ];
}

/**
 * Members of each organization before each of its acceptances joins, in queue order; throws
 * when one would pass the organization's limit (written alone, it gets the limit's error).
 * Organizations whose count this process knows are decided at once; the others are locked
 * and counted together, two statements for any number (ADR 0017).
 */
async function membersBefore(trx: Db, deps: AcceptGroupDeps, jobs: readonly AcceptJob[], now: number, holds: MemberHold[]) {
  const before = new Map<AcceptJob, number>();
  const counts = deps.memberCounts;
  const admit = (key: string, group: readonly AcceptJob[], limit: number, decision: CapDecision) => {
    holds.push({ held: counts.hold(key, group.length, decision), joined: group.length });
    group.forEach((job, i) => {
      if (decision.base + i >= limit) throw new AcceptGroupConflict("an organization's member limit is reached");
      before.set(job, decision.base + i);
    });
  };
  const toCount: Array<{ key: string; group: AcceptJob[]; first: AcceptJob; limit: number }> = [];
  for (const [, group] of groupBy(
    jobs.filter((job) => job.memberLimit > 0),
    (job) => job.row.organization_id,
  )) {
    const first = group[0] ?? unreachable();
    const limit = Math.min(...group.map((job) => job.memberLimit));
    const key = memberCountKey(first.row);
    const known = counts.peek(key, now, limit, group.length);
    if (known === undefined) toCount.push({ key, group, first, limit });
    else admit(key, group, limit, { base: known });
  }
  if (toCount.length === 0) return before;
  const found = await lockAndCount(
    trx,
    deps.kind,
    toCount,
    ({ first }) => first.row.organization_id,
    (sorted) =>
      deps.members.countUpToMany(
        trx,
        sorted.map(({ first, limit }) => ({ tenantId: first.row.tenant_id, organizationId: first.row.organization_id, cap: limit })),
      ),
  );
  for (const { item, count } of found) admit(item.key, item.group, item.limit, counts.counted(item.key, count, now));
  return before;
}

function unreachable(): never {
  throw new Error("acceptance group: a job lost its row");
}
