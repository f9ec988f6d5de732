import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Db } from "../db/database.js";
import { formatMailAddress } from "./sender-address.js";
import type { MailTransport, OutgoingMessage } from "./transport.js";

/** Stores messages in the mailbox table, readable at `GET /v1/mailbox` and in the console. */
export class CaptureTransport implements MailTransport {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    await this.db
      .insertInto("mailbox")
      .values({
        id: this.newId("mail"),
        tenant_id: message.tenantId,
        outbox_id: message.outboxId,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: JSON.stringify({
          ...message.headers,
          "Message-ID": message.messageId,
          From: formatMailAddress(message.from),
          To: message.to,
          Subject: message.subject,
        }),
        created_at: this.clock.now(),
      })
      .execute();
  }
}
