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
 * The organizations a group must count in the database (ADR 0017): locked as
 * `lockOrganizationForCount` locks one, all in one statement and in id order (byte order, the
 * same in every group), then counted by `count` in that order, one statement for all. Answers
 * each item with its count.
 */
export async function lockAndCount<T>(
  trx: Kysely<Database>,
  kind: DatabaseKind,
  items: readonly T[],
  organizationOf: (item: T) => string,
  count: (sorted: readonly T[]) => Promise<number[]>,
): Promise<Array<{ item: T; count: number }>> {
  const sorted = [...items].sort((x, y) => {
    const [a, b] = [organizationOf(x), organizationOf(y)];
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const ids = sorted.map(organizationOf);
  if (kind === "postgres" && ids.length > 1) {
    await sql`select "id" from "organizations" where "id" = any(${ids}::text[]) order by "id" collate "C" for no key update`.execute(trx);
  } else if (ids.length === 1) {
    await lockOrganizationForCount(trx, kind, ids[0] as string);
  }
  const found = await count(sorted);
  return sorted.map((item, at) => ({ item, count: found[at] ?? 0 }));
}
