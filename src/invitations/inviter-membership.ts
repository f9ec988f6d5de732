import { AppError } from "../core/errors.js";
import type { Db } from "../db/database.js";

/**
 * For dialects where the inviter must belong to the organization it invites into (Elastic
 * Cloud's sender, ADR 0032): the user must exist in the tenant and be a member.
 */
export async function requireInviterMembership(db: Db, tenantId: string, organizationId: string, userId: string): Promise<void> {
  const row = await db
    .selectFrom("users as u")
    .leftJoin("memberships as m", (join) =>
      join.onRef("m.user_id", "=", "u.id").on("m.tenant_id", "=", tenantId).on("m.organization_id", "=", organizationId),
    )
    .select(["u.id", "m.organization_id"])
    .where("u.tenant_id", "=", tenantId)
    .where("u.id", "=", userId)
    .executeTakeFirst();
  if (!row) throw new AppError("user_not_found", { detail: `user ${userId} does not exist` });
  if (row.organization_id === null) {
    throw new AppError("inviter_not_member", { detail: `user ${userId} is not a member of organization ${organizationId}` });
  }
}
