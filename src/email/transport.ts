import type { Db } from "../db/database.js";
import type { MailAddress } from "./sender-address.js";

/** A rendered message, ready for a transport. */
export interface OutgoingMessage {
  tenantId: string;
  outboxId: string;
  /** Stable per outbox message, the same on every attempt, so receivers can de-duplicate. */
  messageId: string;
  from: MailAddress;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/**
 * A failed send, by class: `temporary` (4xx, network, timeouts, authentication) is tried again
 * later; `permanent` (5xx about the message or the recipient) will not get better by waiting.
 * The message is the error class shown as `delivery.lastError`, never the server's own text.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly errorClass: "temporary" | "permanent",
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** Where messages go: SMTP, or the capture mailbox. */
export interface MailTransport {
  send(message: OutgoingMessage): Promise<void>;
  /**
   * A transport whose sending is a write to Usher's own database (capture) stores a delivery
   * batch's messages in the transaction that marks them sent, so a message is stored exactly
   * when its outbox row says so, and a batch costs one transaction.
   */
  storeInTransaction?(trx: Db, messages: readonly OutgoingMessage[]): Promise<void>;
  close?(): Promise<void>;
}
