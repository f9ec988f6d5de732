import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Database } from "../db/schema.js";

/** What an invitation email message carries; the token is read from the invitation at send time. */
export interface InvitationEmailPayload {
  invitationId: string;
  /** `invitation` for the first send, `reminder` for a resend or refresh. */
  reason: "invitation" | "reminder";
}

/**
 * The transactional outbox: messages are written in the transaction of the change that
 * causes them and delivered after commit by the delivery worker.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    /** The right-hand side of every `Message-ID` (the public host name). */
    private readonly messageDomain = "usher",
  ) {}

  async enqueueInvitationEmails(
    trx: Kysely<Database>,
    tenantId: string,
    items: Array<{ invitationId: string; reason: InvitationEmailPayload["reason"] }>,
  ): Promise<void> {
    const now = this.clock.now();
    for (let i = 0; i < items.length; i += 500) {
      const rows = items.slice(i, i + 500).map((item) => {
        const id = this.newId("msg");
        return {
          id,
          tenant_id: tenantId,
          kind: "email",
          invitation_id: item.invitationId,
          payload: JSON.stringify({ invitationId: item.invitationId, reason: item.reason } satisfies InvitationEmailPayload),
          status: "queued" as const,
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          last_error: null,
          message_id: `<${id}@${this.messageDomain}>`,
          created_at: now,
          sent_at: null,
        };
      });
      if (rows.length > 0) await trx.insertInto("outbox").values(rows).execute();
    }
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
