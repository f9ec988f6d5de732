/** A rendered message, ready for a transport. */
export interface OutgoingMessage {
  tenantId: string;
  outboxId: string;
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Delivery failures say whether trying again can help (4xx, network) or not (5xx). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly errorClass: "temporary" | "permanent",
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface MailTransport {
  send(message: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}
