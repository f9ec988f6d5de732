import { sql } from "kysely";
import type { DatabaseKind, Db } from "../db/database.js";
import { oneOf } from "../db/lists.js";
import type { DeliveryStatus, InvitationRow } from "../db/schema.js";

/** An outbox row as the worker holds it after claiming. */
export interface ClaimedMessage {
  id: string;
  tenantId: string;
  invitationId: string | null;
  payload: string;
  /** Counted at claim time, so it includes this attempt. */
  attempts: number;
  messageId: string;
  createdAt: number;
}

/**
 * Claims up to `limit` due email messages: queued ones whose time has come and claims whose
 * lease ran out (their process died). `locked_until` doubles as the claim's fencing token: a
 * later claim always sets a later value, so only the current holder can complete the row.
 * The `status in (…)` term is the condition of the partial index `outbox_due`, spelled as the
 * index spells it so that SQLite's planner uses the index too.
 */
export async function claimDueMessages(
  db: Db,
  kind: DatabaseKind,
  now: number,
  lockedUntil: number,
  limit: number,
): Promise<ClaimedMessage[]> {
  const lock = kind === "postgres" ? sql`for update skip locked` : sql``;
  const result = await sql<{
    id: string;
    tenant_id: string;
    invitation_id: string | null;
    payload: string;
    attempts: number | string;
    message_id: string;
    created_at: number | string;
  }>`
    update outbox set status = 'sending', locked_until = ${lockedUntil}, attempts = attempts + 1
    where id in (
      select id from outbox
      where kind = 'email'
        and status in ('queued', 'sending')
        and ((status = 'queued' and next_attempt_at <= ${now}) or (status = 'sending' and locked_until <= ${now}))
      order by next_attempt_at, id
      limit ${limit}
      ${lock}
    )
    returning id, tenant_id, invitation_id, payload, attempts, message_id, created_at`.execute(db);
  return result.rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    invitationId: row.invitation_id,
    payload: row.payload,
    attempts: Number(row.attempts),
    messageId: row.message_id,
    createdAt: Number(row.created_at),
  }));
}

/** Marks claimed messages sent; answers the ids this claim still held (the others were retaken). */
export async function markMessagesSent(trx: Db, kind: DatabaseKind, ids: string[], lockedUntil: number, now: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .updateTable("outbox")
    .set({ status: "sent", sent_at: now, locked_until: null, last_error: null })
    .where(oneOf(kind, "id", ids))
    .where("status", "=", "sending")
    .where("locked_until", "=", lockedUntil)
    .returning("id")
    .execute();
  return new Set(rows.map((row) => row.id));
}

/**
 * Shows `sent` on the invitations of sent messages, unless a newer send request (a resend
 * after this message was queued) owns the invitation's delivery state by now.
 */
export async function markInvitationsSent(trx: Db, kind: DatabaseKind, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await trx
    .updateTable("invitations")
    .from("outbox")
    .set((eb) => ({ delivery_status: "sent", delivery_attempts: eb.ref("outbox.attempts"), delivery_error: null }))
    .where(oneOf(kind, "outbox.id", messageIds))
    .whereRef("invitations.id", "=", "outbox.invitation_id")
    .where((eb) => eb.or([eb("invitations.last_sent_at", "is", null), eb("invitations.last_sent_at", "<=", eb.ref("outbox.created_at"))]))
    .execute();
}

/** Puts a claimed message back in the queue, or ends it as dead; false when the claim was lost. */
export async function releaseMessage(
  trx: Db,
  id: string,
  lockedUntil: number,
  next: { status: "queued" | "dead"; nextAttemptAt: number; error: string },
): Promise<boolean> {
  const result = await trx
    .updateTable("outbox")
    .set({ status: next.status, next_attempt_at: next.nextAttemptAt, locked_until: null, last_error: next.error })
    .where("id", "=", id)
    .where("status", "=", "sending")
    .where("locked_until", "=", lockedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setInvitationDelivery(
  trx: Db,
  invitationId: string,
  messageCreatedAt: number,
  delivery: { status: DeliveryStatus; attempts: number; error: string | null },
): Promise<void> {
  await trx
    .updateTable("invitations")
    .set({ delivery_status: delivery.status, delivery_attempts: delivery.attempts, delivery_error: delivery.error })
    .where("id", "=", invitationId)
    .where((eb) => eb.or([eb("last_sent_at", "is", null), eb("last_sent_at", "<=", messageCreatedAt)]))
    .execute();
}

/** Everything the messages of one batch show, in four queries whatever the batch size. */
export interface MailContext {
  invitations: Map<string, InvitationRow>;
  organizations: Map<string, string>;
  users: Map<string, { name: string | null; email: string }>;
  roles: Map<string, string>;
}

export async function loadMailContext(db: Db, kind: DatabaseKind, invitationIds: string[]): Promise<MailContext> {
  const byId = (ids: string[]) => oneOf(kind, "id", ids);
  const invitations = invitationIds.length ? await db.selectFrom("invitations").selectAll().where(byId(invitationIds)).execute() : [];
  const orgIds = [...new Set(invitations.map((i) => i.organization_id))];
  const userIds = [...new Set(invitations.flatMap((i) => (i.inviter_user_id ? [i.inviter_user_id] : [])))];
  const roleIds = [...new Set(invitations.flatMap((i) => JSON.parse(i.role_ids) as string[]))];
  const [orgs, users, roles] = await Promise.all([
    orgIds.length ? db.selectFrom("organizations").select(["id", "name"]).where(byId(orgIds)).execute() : [],
    userIds.length ? db.selectFrom("users").select(["id", "name", "email"]).where(byId(userIds)).execute() : [],
    roleIds.length ? db.selectFrom("roles").select(["id", "name"]).where(byId(roleIds)).execute() : [],
  ]);
  return {
    invitations: new Map(invitations.map((row) => [row.id, row])),
    organizations: new Map(orgs.map((row) => [row.id, row.name])),
    users: new Map(users.map((row) => [row.id, { name: row.name, email: row.email }])),
    roles: new Map(roles.map((row) => [row.id, row.name])),
  };
}
