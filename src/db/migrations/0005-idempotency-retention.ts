import { type Kysely, sql } from "kysely";

/**
 * Idempotency answers are kept sealed and for a day (ADR 0023). The index finds the day-old
 * ones to delete. Answers stored before were plain JSON, and an invitation's answer holds its
 * accept link with the token: they are deleted here rather than kept in plain text (a retried
 * create of one of them then answers 409 duplicate_pending_invitation, as without the key).
 * Reservations still in progress hold no answer and stay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("idempotency_keys_created").on("idempotency_keys").column("created_at").execute();
  await sql`delete from idempotency_keys where status_code <> 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("idempotency_keys_created").execute();
}
