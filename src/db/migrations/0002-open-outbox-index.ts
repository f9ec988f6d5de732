import { type Kysely, sql } from "kysely";

/**
 * The claim's index holds only messages still to deliver (queued, or being sent): sent and dead
 * messages are never claimed, and most messages are written sent already (captured mail, ADR
 * 0054), so indexing them cost a write per message and grew an index nobody reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("outbox_due").execute();
  await db.schema
    .createIndex("outbox_due")
    .on("outbox")
    .columns(["status", "next_attempt_at"])
    .where(sql.ref("status"), "in", ["queued", "sending"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("outbox_due").execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();
}
