import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { formatMailAddress } from "./sender-address.js";
import type { MailTransport, OutgoingMessage } from "./transport.js";

const MAILBOX_INSERT: InsertSpec = {
  table: "mailbox",
  columns: ["id", "tenant_id", "outbox_id", "to", "subject", "text", "html", "headers", "created_at"],
  longText: { types: ["text", "text", "text", "text", "text", "text", "text", "text", "bigint"] },
};

/**
 * Stores messages in the mailbox table, readable at `GET /v1/mailbox` and in the console. The
 * delivery worker stores a batch in the transaction that marks it sent (`storeInTransaction`).
 */
export class CaptureTransport implements MailTransport {
  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    await this.db.transaction().execute((trx) => this.storeInTransaction(trx, [message]));
  }

  async storeInTransaction(trx: Db, messages: readonly OutgoingMessage[]): Promise<void> {
    const now = this.clock.now();
    const rows = messages.map((message) => [
      this.newId("mail"),
      message.tenantId,
      message.outboxId,
      message.to,
      message.subject,
      message.text,
      message.html,
      JSON.stringify({
        ...message.headers,
        "Message-ID": message.messageId,
        From: formatMailAddress(message.from),
        To: message.to,
        Subject: message.subject,
      }),
      now,
    ]);
    await insertRows(trx, this.kind, MAILBOX_INSERT, rows);
  }
}
