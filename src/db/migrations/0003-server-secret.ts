import type { Kysely } from "kysely";

/**
 * The fingerprint of the server secret the database was set up with (one row), so that a process
 * started with another secret refuses to serve instead of failing every token (ADR 0003).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("server_secret")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("recorded_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("server_secret").execute();
}
