import type { Kysely } from "kysely";

/**
 * An organization's members are listed a page at a time, newest first (ADR 0025): the index
 * reads a page in order instead of sorting every member of the organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("memberships_org_created")
    .on("memberships")
    .columns(["tenant_id", "organization_id", "created_at", "user_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("memberships_org_created").execute();
}
