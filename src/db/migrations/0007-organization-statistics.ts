import { type Kysely, PostgresAdapter, sql } from "kysely";

/**
 * PostgreSQL: an organization is never taken for the whole table (ADR 0033). A list page of one
 * organization keeps one plan for every organization, made from the column's statistics alone
 * (a generic plan), where the estimate for "an organization" is the table's rows over its
 * number of organizations. Estimated from a table that held one large organization when it
 * was analyzed, that is every row: the tenant's index, filtered, then costs as little as the
 * organization's own, and a small organization added since would be listed by reading every
 * invitation of its tenant. Here the number of organizations is set to a thousandth of the
 * rows, so that an organization is estimated at a thousand invitations whatever the table
 * holds: more than any page, and few enough that the organization's index wins. Where an
 * organization is among the most common values its own frequency is still used. SQLite plans
 * each statement on its own and has no such setting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table invitations alter column organization_id set (n_distinct = -0.001)`.execute(db);
  // The setting takes effect at the next analysis of the column: this one, rather than whenever
  // the table next changes enough.
  await sql`analyze invitations (organization_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table invitations alter column organization_id reset (n_distinct)`.execute(db);
}
