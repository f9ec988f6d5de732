import { type Kysely, sql } from "kysely";
import type { DatabaseKind } from "../db/database.js";
import type { Database } from "../db/schema.js";

/**
 * Before an organization's rows are counted against one of its limits (pending invitations,
 * members): on PostgreSQL the organization's row is locked (`for no key update`, which inserts
 * referencing it do not wait for), so that transactions counting at the same time, in this
 * process or another, count one after the other and each sees what the other added. SQLite's
 * transactions run one at a time already. A transaction that locks several organizations
 * locks them in id order.
 */
export async function lockOrganizationForCount(trx: Kysely<Database>, kind: DatabaseKind, organizationId: string): Promise<void> {
  if (kind !== "postgres") return;
  await trx.selectFrom("organizations").select("id").where("id", "=", organizationId).forNoKeyUpdate().execute();
}

/**
 * Several organizations locked as `lockOrganizationForCount` locks one, in one statement: in
 * id order (byte order, as the callers sort them), one row after the other.
 */
export async function lockOrganizationsForCount(
  trx: Kysely<Database>,
  kind: DatabaseKind,
  organizationIds: readonly string[],
): Promise<void> {
  if (kind !== "postgres" || organizationIds.length === 0) return;
  if (organizationIds.length === 1) return lockOrganizationForCount(trx, kind, organizationIds[0] as string);
  await sql`select "id" from "organizations" where "id" = any(${[...organizationIds]}::text[]) order by "id" collate "C" for no key update`.execute(
    trx,
  );
}
