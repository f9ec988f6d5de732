import { type Kysely, type RawBuilder, sql, type UpdateObject } from "kysely";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind } from "../db/database.js";
import { newestFirst, oneOf } from "../db/lists.js";
import type { Database, InvitationRow, InvitationStatus } from "../db/schema.js";
import type { CommonFields } from "./create-job.js";
import type { DocumentRow } from "./document-tail.js";
import type { InvitationDocument } from "./invitation-documents.js";

type Q = Kysely<Database>;

/** What the creates of one group must know before they write, asked in one round trip. */
export interface GroupPrecheckAsk {
  organizationIds: readonly string[];
  userIds: readonly string[];
  roleIds: readonly string[];
  /** Members are looked up by (tenant, email) through the users index, then by organization. */
  memberTenantIds: readonly string[];
  memberEmails: readonly string[];
}

export interface GroupPrecheck {
  /** Tenant of each organization, user and role found. */
  organizations: Map<string, string>;
  users: Map<string, string>;
  roles: Map<string, string>;
  /** `${tenantId} ${organizationId} ${email}` of every membership found. */
  members: Set<string>;
  /** What an email shows of them: organization and role names, the inviter's name and email. */
  names: {
    organizations: Map<string, string>;
    users: Map<string, { name: string | null; email: string }>;
    roles: Map<string, string>;
  };
}

export function memberKey(tenantId: string, organizationId: string, email: string): string {
  return `${tenantId} ${organizationId} ${email}`;
}

export async function precheckGroup(db: Q, kind: DatabaseKind, ask: GroupPrecheckAsk): Promise<GroupPrecheck> {
  // Lists through `oneOf`: on PostgreSQL one text whatever their lengths, so it runs prepared.
  const parts: RawBuilder<unknown>[] = [];
  if (ask.organizationIds.length > 0) {
    parts.push(sql`select 'o' as k, id, tenant_id, null as email, name from organizations where ${oneOf(kind, "id", ask.organizationIds)}`);
  }
  if (ask.userIds.length > 0)
    parts.push(sql`select 'u' as k, id, tenant_id, email, name from users where ${oneOf(kind, "id", ask.userIds)}`);
  if (ask.roleIds.length > 0)
    parts.push(sql`select 'r' as k, id, tenant_id, null as email, name from roles where ${oneOf(kind, "id", ask.roleIds)}`);
  if (ask.memberEmails.length > 0 && ask.organizationIds.length > 0) {
    parts.push(
      sql`select 'm' as k, m.organization_id as id, m.tenant_id, u.email, null as name from users u join memberships m on m.user_id = u.id
        where ${oneOf(kind, "u.tenant_id", ask.memberTenantIds)} and ${oneOf(kind, "u.email", ask.memberEmails)}
        and ${oneOf(kind, "m.organization_id", ask.organizationIds)}`,
    );
  }
  const names: GroupPrecheck["names"] = { organizations: new Map(), users: new Map(), roles: new Map() };
  const found: GroupPrecheck = { organizations: new Map(), users: new Map(), roles: new Map(), members: new Set(), names };
  if (parts.length === 0) return found;
  const result = await sql<{ k: string; id: string; tenant_id: string; email: string | null; name: string | null }>`${sql.join(
    parts,
    sql` union all `,
  )}`.execute(db);
  for (const row of result.rows) {
    if (row.k === "o") {
      found.organizations.set(row.id, row.tenant_id);
      names.organizations.set(row.id, row.name ?? "");
    } else if (row.k === "u") {
      found.users.set(row.id, row.tenant_id);
      names.users.set(row.id, { name: row.name, email: row.email ?? "" });
    } else if (row.k === "r") {
      found.roles.set(row.id, row.tenant_id);
      names.roles.set(row.id, row.name ?? "");
    } else {
      found.members.add(memberKey(row.tenant_id, row.id, row.email ?? ""));
    }
  }
  return found;
}

/** Pending, unexpired invitations of an organization, counted up to `cap`. */
export async function countPending(db: Q, tenantId: string, organizationId: string, cap: number, now: number): Promise<number> {
  const row = await db
    .selectFrom(
      db
        .selectFrom("invitations")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("organization_id", "=", organizationId)
        .where("status", "=", "pending")
        .where("expires_at", ">", now)
        .limit(cap)
        .as("p"),
    )
    .select((p) => p.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What `countPendingMany` counts for one organization: its pending invitations, up to `cap`. */
export interface PendingCount {
  tenantId: string;
  organizationId: string;
  cap: number;
  now: number;
}

/**
 * `countPending` for several organizations, in their order: on PostgreSQL one statement for
 * any number (one array per field), on SQLite, where a statement costs no round trip, one each.
 */
export async function countPendingMany(db: Q, kind: DatabaseKind, counts: readonly PendingCount[]): Promise<number[]> {
  if (kind !== "postgres" || counts.length === 1) {
    const found: number[] = [];
    for (const c of counts) found.push(await countPending(db, c.tenantId, c.organizationId, c.cap, c.now));
    return found;
  }
  const rows = await sql<{ n: number }>`
    select (select count(*) from (
      select 1 from "invitations" as "i"
      where "i"."tenant_id" = "k"."tenant_id" and "i"."organization_id" = "k"."organization_id"
        and "i"."status" = 'pending' and "i"."expires_at" > "k"."now"
      limit "k"."cap") as "p")::int as "n"
    from unnest(${counts.map((c) => c.tenantId)}::text[], ${counts.map((c) => c.organizationId)}::text[],
      ${counts.map((c) => c.now)}::bigint[], ${counts.map((c) => c.cap)}::int[]) with ordinality
      as "k"("tenant_id", "organization_id", "now", "cap", "at")
    order by "k"."at"`.execute(db);
  return rows.rows.map((row) => Number(row.n));
}

const INVITATION_COLUMNS = [
  "id",
  "tenant_id",
  "organization_id",
  "email",
  "email_display",
  "inviter_user_id",
  "role_ids",
  "status",
  "expires_at",
  "created_at",
  "updated_at",
  "accepted_at",
  "accepted_user_id",
  "revoked_at",
  "declined_at",
  "redirect_url",
  "accept_url",
  "locale",
  "metadata",
  "extras",
  "token_hash",
  "token_cipher",
  "send_count",
  "last_sent_at",
  "delivery_status",
  "delivery_attempts",
  "delivery_error",
] as const satisfies ReadonlyArray<keyof InvitationRow>;

const INVITATION_INSERT: InsertSpec = { table: "invitations", columns: INVITATION_COLUMNS, tail: 'on conflict do nothing returning "id"' };

/**
 * Inserts what it can, in as few statements as the engine allows; rows held back by the
 * one-pending index are left out of the result.
 */
export async function insertInvitationRows(db: Q, kind: DatabaseKind, rows: readonly InvitationRow[]): Promise<Set<string>> {
  const values = rows.map((row) => INVITATION_COLUMNS.map((column) => row[column]));
  const inserted = await insertRows<{ id: string }>(db, kind, INVITATION_INSERT, values);
  return new Set(inserted.map((r) => r.id));
}

/** Create-or-refresh: the pending invitation gets the new expiry (and roles, link, a new send). */
export async function refreshPending(db: Q, tenantId: string, organizationId: string, email: string, common: CommonFields, now: number) {
  return db
    .updateTable("invitations")
    .set((eb) => ({
      expires_at: common.expiresAt,
      updated_at: now,
      ...(common.rolesGiven && { role_ids: JSON.stringify(common.roleIds) }),
      ...(common.redirectUrl !== null && { redirect_url: common.redirectUrl }),
      ...(common.sendEmail && {
        send_count: eb("send_count", "+", 1),
        last_sent_at: now,
        delivery_status: "queued" as const,
        delivery_attempts: 0,
        delivery_error: null,
      }),
    }))
    .where("tenant_id", "=", tenantId)
    .where("organization_id", "=", organizationId)
    .where("email", "=", email)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .returningAll()
    .executeTakeFirst();
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

/** Invitations by the keyed hashes of their tokens. */
export async function findInvitationsByTokenHash(
  db: Q,
  kind: DatabaseKind,
  tokenHashes: readonly string[],
): Promise<Map<string, InvitationRow>> {
  if (tokenHashes.length === 0) return new Map();
  const rows = await db
    .selectFrom("invitations")
    .selectAll()
    .where(oneOf(kind, "token_hash", tokenHashes))
    .execute();
  return new Map(rows.map((row) => [row.token_hash, row]));
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

/**
 * Accepts several invitations at once: `transitionPending` to `accepted` for each, each with
 * its own user, in one conditional update. Rows that were no longer pending and unexpired are
 * missing from the answer. The claims are joined as a derived table, so that each row is found
 * by its primary key: with `id in (...)`, PostgreSQL without fresh statistics may AND the key
 * with the pending-expiry index and read every pending invitation.
 */
export async function acceptPending(
  db: Q,
  kind: DatabaseKind,
  claims: ReadonlyArray<{ tenantId: string; id: string; userId: string }>,
  now: number,
): Promise<InvitationRow[]> {
  if (claims.length === 0) return [];
  // The claims as a table joined by primary key; on PostgreSQL three arrays, one text whatever
  // their number (a prepared statement, ADR 0004).
  const table =
    kind === "postgres"
      ? sql`select * from unnest(${claims.map((c) => c.id)}::text[], ${claims.map((c) => c.tenantId)}::text[], ${claims.map((c) => c.userId)}::text[])
          as c(claim_id, claim_tenant_id, claim_user_id)`
      : sql.join(
          claims.map((c) => sql`select ${c.id} as claim_id, ${c.tenantId} as claim_tenant_id, ${c.userId} as claim_user_id`),
          sql` union all `,
        );
  const result = await sql<InvitationRow>`update "invitations" set "status" = 'accepted', "accepted_at" = ${now}, "updated_at" = ${now},
    "accepted_user_id" = "claims"."claim_user_id"
    from (${table}) as "claims"
    where "invitations"."id" = "claims"."claim_id" and "invitations"."tenant_id" = "claims"."claim_tenant_id"
      and "invitations"."status" = 'pending' and "invitations"."expires_at" > ${now}
    returning ${sql.join(INVITATION_COLUMNS.map((c) => sql.ref(c)))}`.execute(db);
  return result.rows;
}

export interface InvitationFilter {
  organizationId?: string;
  status?: InvitationStatus;
  email?: string;
  inviterUserId?: string;
  /** Several statuses at once (dialects that list "open" invitations). */
  statuses?: InvitationStatus[];
}

/** The statuses a filter asks for: its list, or its one status; undefined for any. */
export function filterStatuses(filter: InvitationFilter): InvitationStatus[] | undefined {
  return filter.statuses ?? (filter.status ? [filter.status] : undefined);
}

export function filterInvitations(db: Q, tenantId: string, filter: InvitationFilter, now: number) {
  let query = db.selectFrom("invitations").where("tenant_id", "=", tenantId);
  if (filter.organizationId !== undefined) query = query.where("organization_id", "=", filter.organizationId);
  if (filter.email !== undefined) query = query.where("email", "=", filter.email);
  if (filter.inviterUserId !== undefined) query = query.where("inviter_user_id", "=", filter.inviterUserId);
  const statuses = filterStatuses(filter);
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
  const query = newestFirst(filterInvitations(db, tenantId, filter, now).selectAll(), page.cursor, page.limit);
  return (page.offset ? query.offset(page.offset) : query).execute();
}

/**
 * A list row: the database's part of its document and what Node adds to it. A row read from its
 * fields as they arrive (PostgreSQL) leaves its id and token cipher in the fields, where the
 * page reads them only when it needs them (`FIELD_COLUMNS`).
 */
export type InvitationDocumentRow = DocumentRow &
  Pick<InvitationRow, "created_at" | "status" | "expires_at" | "accept_url"> &
  Partial<Pick<InvitationRow, "id" | "token_cipher">>;

const DOCUMENT_ROW_COLUMNS = ["id", "created_at", "status", "expires_at", "token_cipher", "accept_url"] as const;

/**
 * Columns that a row read from its fields does not turn into values: the id, which only the
 * page's last entry needs (for the cursor), and the token cipher, which the page looks up by
 * its bytes (`SecretBox.decryptCachedBytes`), only for pending invitations.
 */
const FIELD_COLUMNS: ReadonlySet<string> = new Set(["id", "token_cipher"]);

const rowValues = new WeakMap<InvitationDocument, ReadonlySet<string>>();
const fieldValues = new WeakMap<InvitationDocument, ReadonlySet<string>>();

/** The columns of a list row that Node reads as values: its own and the layout's times. */
export function documentRowValues(layout: InvitationDocument): ReadonlySet<string> {
  let values = rowValues.get(layout);
  if (values === undefined) {
    values = new Set<string>([...DOCUMENT_ROW_COLUMNS, ...layout.timeColumns]);
    rowValues.set(layout, values);
  }
  return values;
}

/** `documentRowValues` but `FIELD_COLUMNS`: what a row read from its fields makes values of. */
export function fieldRowValues(layout: InvitationDocument): ReadonlySet<string> {
  let values = fieldValues.get(layout);
  if (values === undefined) {
    values = new Set([...documentRowValues(layout)].filter((column) => !FIELD_COLUMNS.has(column)));
    fieldValues.set(layout, values);
  }
  return values;
}

/**
 * Who writes the database's part of a list document: the database, as one text column
 * `document` (ADR 0011), or Node, from the plain columns it is made of (ADR 0029).
 */
export type DocumentHeadBy = "database" | "node";

/** A list page's rows (`InvitationDocumentRow`), built but not run. */
export function invitationDocumentsQuery(
  db: Q,
  kind: DatabaseKind,
  tenantId: string,
  filter: InvitationFilter,
  page: { limit: number; cursor?: string; limitInText?: boolean },
  layout: InvitationDocument,
  headBy: DocumentHeadBy,
  now: number,
) {
  const values = [...documentRowValues(layout)] as Array<keyof InvitationRow & string>;
  const query = filterInvitations(db, tenantId, filter, now).select(
    headBy === "database"
      ? [...values, layout.sql(kind, db).as("document")]
      : [...values, ...layout.headColumns.filter((column) => !values.includes(column))],
  );
  return newestFirst(query, page.cursor, page.limit, page.limitInText);
}

/** The number of invitations the filter matches, as one row `{n}`, built but not run. */
export function countInvitationsQuery(db: Q, tenantId: string, filter: InvitationFilter, now: number) {
  return filterInvitations(db, tenantId, filter, now).select((eb) => eb.fn.countAll<number>().as("n"));
}

export async function countInvitations(db: Q, tenantId: string, filter: InvitationFilter, now: number): Promise<number> {
  const row = await countInvitationsQuery(db, tenantId, filter, now).executeTakeFirstOrThrow();
  return Number(row.n);
}
