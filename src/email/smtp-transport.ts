import nodemailer, { type Transporter } from "nodemailer";
import { DEFAULT_MAX_CONNECTIONS, type SmtpOptions } from "./smtp-url.js";
import { DeliveryError, type MailTransport, type OutgoingMessage } from "./transport.js";

/** SMTP through nodemailer with pooled connections; one pool per SMTP URL. */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(options: SmtpOptions) {
    this.transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      auth: options.auth,
      pool: true,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxMessages: 10_000,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      ignoreTLS: options.ignoreTLS,
      tls: { rejectUnauthorized: options.rejectUnauthorized },
      // nodemailer's own logging would print envelopes and, on AUTH, credentials.
      logger: false,
      debug: false,
    });
  }

  async send(message: OutgoingMessage): Promise<void> {
    try {
      await this.transporter.sendMail({
        messageId: message.messageId,
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.headers,
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * Turns a nodemailer failure into an error class; the server's answer text is kept out (it can
 * echo addresses and server internals). A 5xx about the message or recipient is permanent;
 * a refused login is treated as temporary because an administrator can fix it.
 */
export function classifySmtpError(error: unknown): DeliveryError {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (code === "EAUTH" || code === "ENOAUTH") return new DeliveryError("smtp_auth", "temporary");
  if (typeof responseCode === "number" && responseCode >= 400 && responseCode < 600) {
    return new DeliveryError(`smtp_${responseCode}`, responseCode >= 500 ? "permanent" : "temporary");
  }
  if (code === "ETIMEDOUT" || code === "ETIMEOUT") return new DeliveryError("smtp_timeout", "temporary");
  if (code === "ETLS") return new DeliveryError("smtp_tls", "temporary");
  if (code === "ECONNECTION" || code === "ESOCKET" || code === "EDNS" || code === "ECONNREFUSED") {
    return new DeliveryError("smtp_unreachable", "temporary");
  }
  return new DeliveryError("smtp_error", "temporary");
}
