import { type Kysely, sql } from "kysely";

/**
 * The whole schema. One migration serves SQLite and PostgreSQL: types are the common subset
 * (text, integer, bigint), times are epoch milliseconds, JSON is text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("tenants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("users_tenant_email_unique", ["tenant_id", "email"])
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("api_keys_tenant").on("api_keys").columns(["tenant_id", "created_at"]).execute();

  await db.schema
    .createTable("organizations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("organizations_tenant_created").on("organizations").columns(["tenant_id", "created_at", "id"]).execute();

  await db.schema
    .createTable("roles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("roles_tenant_name_unique", ["tenant_id", "name"])
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("memberships_pk", ["organization_id", "user_id"])
    .execute();
  await db.schema.createIndex("memberships_user").on("memberships").columns(["user_id"]).execute();

  await db.schema
    .createTable("membership_roles")
    .addColumn("tenant_id", "text", (c) => c.notNull())
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("role_id", "text", (c) => c.notNull().references("roles.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("membership_roles_pk", ["organization_id", "user_id", "role_id"])
    .addForeignKeyConstraint(
      "membership_roles_membership_fk",
      ["organization_id", "user_id"],
      "memberships",
      ["organization_id", "user_id"],
      (fk) => fk.onDelete("cascade"),
    )
    .execute();
  await db.schema.createIndex("membership_roles_role").on("membership_roles").columns(["role_id"]).execute();

  await db.schema
    .createTable("invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_display", "text", (c) => c.notNull())
    .addColumn("inviter_user_id", "text")
    .addColumn("role_ids", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("accepted_at", "bigint")
    .addColumn("accepted_user_id", "text")
    .addColumn("revoked_at", "bigint")
    .addColumn("declined_at", "bigint")
    .addColumn("redirect_url", "text")
    .addColumn("accept_url", "text")
    .addColumn("locale", "text")
    .addColumn("metadata", "text")
    .addColumn("extras", "text")
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("token_cipher", "text", (c) => c.notNull())
    .addColumn("send_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_sent_at", "bigint")
    .addColumn("delivery_status", "text")
    .addColumn("delivery_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("delivery_error", "text")
    .execute();
  // At most one pending invitation per (tenant, organization, email); overdue rows are marked
  // expired in the creating transaction, so the index never has to know the clock.
  // Organization ids are unique across tenants, so these partial indexes lead with the
  // organization: led by tenant_id, PostgreSQL may pick them (on young statistics) for a
  // lookup by id and scan every pending invitation of the tenant.
  await db.schema
    .createIndex("invitations_one_pending")
    .on("invitations")
    .columns(["organization_id", "email"])
    .unique()
    .where(sql.ref("status"), "=", "pending")
    .execute();
  // Counting an organization's pending, unexpired invitations reads this index alone.
  await db.schema
    .createIndex("invitations_pending_expiry")
    .on("invitations")
    .columns(["organization_id", "expires_at"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
  await db.schema
    .createIndex("invitations_org_created")
    .on("invitations")
    .columns(["tenant_id", "organization_id", "created_at", "id"])
    .execute();
  await db.schema.createIndex("invitations_tenant_created").on("invitations").columns(["tenant_id", "created_at", "id"]).execute();
  await db.schema.createIndex("invitations_email").on("invitations").columns(["tenant_id", "email"]).execute();

  await db.schema
    .createTable("events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("organization_id", "text")
    .addColumn("invitation_id", "text")
    .addColumn("user_id", "text")
    .addColumn("data", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_tenant_created").on("events").columns(["tenant_id", "created_at", "id"]).execute();
  await db.schema.createIndex("events_invitation").on("events").columns(["tenant_id", "invitation_id"]).execute();
  await db.schema.createIndex("events_organization").on("events").columns(["tenant_id", "organization_id"]).execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("invitation_id", "text")
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("locked_until", "bigint")
    .addColumn("last_error", "text")
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("sent_at", "bigint")
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();

  await db.schema
    .createTable("mailbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("outbox_id", "text")
    .addColumn("to", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    .addColumn("headers", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("mailbox_tenant_to").on("mailbox").columns(["tenant_id", "to", "created_at"]).execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("status_code", "integer", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["tenant_id", "key"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "idempotency_keys",
    "mailbox",
    "outbox",
    "events",
    "invitations",
    "membership_roles",
    "memberships",
    "roles",
    "organizations",
    "api_keys",
    "users",
    "tenants",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
