import { type Kysely, sql, type UpdateObject } from "kysely";
import { decodeCursor } from "../core/pagination.js";
import type { Database, InvitationRow, InvitationStatus, NewInvitation } from "../db/schema.js";

type Q = Kysely<Database>;

export interface CreatePrecheck {
  organization: boolean;
  inviter: boolean;
  roles: number;
  pending: number;
  /** Whether `memberEmail` (when given) already belongs to a member. */
  member: boolean;
}

/** Everything a create must know before it writes, in one round trip. */
export async function precheckCreate(
  db: Q,
  tenantId: string,
  organizationId: string,
  inviterUserId: string | null,
  roleIds: readonly string[],
  pendingCap: number,
  now: number,
  memberEmail: string | null = null,
): Promise<CreatePrecheck> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(eb.selectFrom("organizations").select("id").where("tenant_id", "=", tenantId).where("id", "=", organizationId))
        .as("organization"),
      inviterUserId === null
        ? sql<boolean>`1`.as("inviter")
        : eb.exists(eb.selectFrom("users").select("id").where("tenant_id", "=", tenantId).where("id", "=", inviterUserId)).as("inviter"),
      roleIds.length === 0
        ? sql<number>`0`.as("roles")
        : eb
            .selectFrom("roles")
            .select((r) => r.fn.countAll<number>().as("n"))
            .where("tenant_id", "=", tenantId)
            .where("id", "in", [...roleIds])
            .as("roles"),
      pendingCap <= 0
        ? sql<number>`0`.as("pending")
        : eb
            .selectFrom(
              eb
                .selectFrom("invitations")
                .select("id")
                .where("tenant_id", "=", tenantId)
                .where("organization_id", "=", organizationId)
                .where("status", "=", "pending")
                .where("expires_at", ">", now)
                .limit(pendingCap)
                .as("p"),
            )
            .select((p) => p.fn.countAll<number>().as("n"))
            .as("pending"),
      memberEmail === null
        ? sql<boolean>`0`.as("member")
        : eb
            .exists(
              eb
                .selectFrom("memberships as m")
                .innerJoin("users as u", "u.id", "m.user_id")
                .select("m.user_id")
                .where("m.tenant_id", "=", tenantId)
                .where("m.organization_id", "=", organizationId)
                .where("u.email", "=", memberEmail),
            )
            .as("member"),
    ])
    .executeTakeFirstOrThrow();
  return {
    organization: Boolean(Number(row.organization)),
    inviter: Boolean(Number(row.inviter)),
    roles: Number(row.roles),
    pending: Number(row.pending),
    member: Boolean(Number(row.member)),
  };
}

/** The emails among `emails` that already belong to a member of the organization. */
export async function findMemberEmails(db: Q, tenantId: string, organizationId: string, emails: readonly string[]) {
  if (emails.length === 0) return new Set<string>();
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select("u.email")
    .where("m.tenant_id", "=", tenantId)
    .where("m.organization_id", "=", organizationId)
    .where("u.email", "in", [...emails])
    .execute();
  return new Set(rows.map((r) => r.email));
}

/** Inserts what it can; rows held back by the one-pending index are left out of the result. */
export async function insertInvitations(db: Q, rows: NewInvitation[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const result = await db
      .insertInto("invitations")
      .values(chunk)
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    for (const r of result) inserted.add(r.id);
  }
  return inserted;
}

/** Marks overdue pending invitations for these emails expired, so new ones may be created. */
export async function expireOverdue(db: Q, tenantId: string, organizationId: string, emails: readonly string[], now: number) {
  const result = await db
    .updateTable("invitations")
    .set({ status: "expired", updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("organization_id", "=", organizationId)
    .where("email", "in", [...emails])
    .where("status", "=", "pending")
    .where("expires_at", "<=", now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findInvitation(db: Q, tenantId: string, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
}

export async function findInvitationByTokenHash(db: Q, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/**
 * One conditional write for every lifecycle transition: it applies only while the invitation
 * is pending and unexpired, so zero rows back means somebody else got there first.
 */
export async function transitionPending(
  db: Q,
  tenantId: string,
  id: string,
  now: number,
  changes: UpdateObject<Database, "invitations">,
): Promise<InvitationRow | undefined> {
  return db
    .updateTable("invitations")
    .set({ ...changes, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .returningAll()
    .executeTakeFirst();
}

export interface InvitationFilter {
  organizationId?: string;
  status?: InvitationStatus;
  email?: string;
  inviterUserId?: string;
  /** Several statuses at once (dialects that list "open" invitations). */
  statuses?: InvitationStatus[];
}

export function filterInvitations(db: Q, tenantId: string, filter: InvitationFilter, now: number) {
  let query = db.selectFrom("invitations").where("tenant_id", "=", tenantId);
  if (filter.organizationId !== undefined) query = query.where("organization_id", "=", filter.organizationId);
  if (filter.email !== undefined) query = query.where("email", "=", filter.email);
  if (filter.inviterUserId !== undefined) query = query.where("inviter_user_id", "=", filter.inviterUserId);
  const statuses = filter.statuses ?? (filter.status ? [filter.status] : undefined);
  if (statuses) {
    query = query.where((eb) =>
      eb.or(
        statuses.map((status) => {
          if (status === "pending") return eb.and([eb("status", "=", "pending"), eb("expires_at", ">", now)]);
          if (status === "expired") {
            return eb.or([eb("status", "=", "expired"), eb.and([eb("status", "=", "pending"), eb("expires_at", "<=", now)])]);
          }
          return eb("status", "=", status);
        }),
      ),
    );
  }
  return query;
}

export async function listInvitations(
  db: Q,
  tenantId: string,
  filter: InvitationFilter,
  page: { limit: number; cursor?: string; offset?: number },
  now: number,
): Promise<InvitationRow[]> {
  let query = filterInvitations(db, tenantId, filter, now).selectAll();
  const after = decodeCursor(page.cursor);
  if (after) {
    query = query.where((eb) =>
      // A row-value comparison, so both engines read the index range (an OR here scans).
      eb(eb.refTuple("created_at", "id"), "<", eb.tuple(after.createdAt, after.id)),
    );
  }
  query = query.orderBy("created_at", "desc").orderBy("id", "desc").limit(page.limit);
  if (page.offset) query = query.offset(page.offset);
  return query.execute();
}

export async function countInvitations(db: Q, tenantId: string, filter: InvitationFilter, now: number): Promise<number> {
  const row = await filterInvitations(db, tenantId, filter, now)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
