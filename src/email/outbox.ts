import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind } from "../db/database.js";
import type { Database } from "../db/schema.js";

/** What an invitation email message carries; the token is read from the invitation at send time. */
export interface InvitationEmailPayload {
  invitationId: string;
  /** `invitation` for the first send, `reminder` for a resend or refresh. */
  reason: "invitation" | "reminder";
}

/** One invitation email to queue, of any tenant. */
export interface QueuedInvitationEmail {
  tenantId: string;
  invitationId: string;
  reason: InvitationEmailPayload["reason"];
}

/** The stored payload of an invitation email (what the worker reads back). */
export function invitationEmailPayload(item: Pick<QueuedInvitationEmail, "invitationId" | "reason">): string {
  const payload: InvitationEmailPayload = { invitationId: item.invitationId, reason: item.reason };
  return JSON.stringify(payload);
}

/** A message with its ids already chosen (see `Outbox.newMessage`). */
export interface SentInvitationEmail extends QueuedInvitationEmail {
  id: string;
  messageId: string;
}

const OUTBOX_INSERT: InsertSpec = {
  table: "outbox",
  columns: [
    "id",
    "tenant_id",
    "kind",
    "invitation_id",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "locked_until",
    "last_error",
    "message_id",
    "created_at",
    "sent_at",
  ],
};

/**
 * The transactional outbox: messages are written in the transaction of the change that
 * causes them and delivered after commit by the delivery worker.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly kind: DatabaseKind,
    /** The right-hand side of every `Message-ID` (the public host name). */
    private readonly messageDomain = "usher",
  ) {}

  async enqueueInvitationEmails(
    trx: Kysely<Database>,
    tenantId: string,
    items: Array<{ invitationId: string; reason: InvitationEmailPayload["reason"] }>,
  ): Promise<void> {
    await this.enqueueAll(
      trx,
      items.map((item) => ({ tenantId, ...item })),
    );
  }

  /** Queues invitation emails of any tenants in as few statements as the engine allows. */
  async enqueueAll(trx: Kysely<Database>, items: readonly QueuedInvitationEmail[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    const rows = items.map((item) => this.row({ ...item, ...this.newMessage() }, now, "queued"));
    await insertRows(trx, this.kind, OUTBOX_INSERT, rows);
  }

  /** A message's row id and its `Message-ID`, fixed for every attempt. */
  newMessage(): { id: string; messageId: string } {
    const id = this.newId("msg");
    return { id, messageId: `<${id}@${this.messageDomain}>` };
  }

  /**
   * Records messages delivered in the transaction that writes them (captured mail, ADR 0054):
   * sent at the first attempt, never claimed by the worker.
   */
  async recordSentAll(trx: Kysely<Database>, items: readonly SentInvitationEmail[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    await insertRows(
      trx,
      this.kind,
      OUTBOX_INSERT,
      items.map((item) => this.row(item, now, "sent")),
    );
  }

  private row(item: SentInvitationEmail, now: number, status: "queued" | "sent"): unknown[] {
    const sent = status === "sent";
    return [
      item.id,
      item.tenantId,
      "email",
      item.invitationId,
      invitationEmailPayload(item),
      status,
      sent ? 1 : 0,
      now,
      null,
      null,
      item.messageId,
      now,
      sent ? now : null,
    ];
  }

  /** Called after a commit that enqueued mail, so the worker starts at once. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
