import nodemailer, { type Transporter } from "nodemailer";
import { DeliveryError, type MailTransport, type OutgoingMessage } from "./transport.js";

/** SMTP through nodemailer with pooled connections; one pool per SMTP URL. */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(url: string) {
    const parsed = new URL(url);
    this.transporter = nodemailer.createTransport({
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : parsed.protocol === "smtps:" ? 465 : 587,
      secure: parsed.protocol === "smtps:",
      auth: parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : undefined,
      pool: true,
      maxConnections: 5,
      maxMessages: 1000,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // Loopback and private relays commonly run without certificates.
      ignoreTLS: parsed.searchParams.get("tls") === "off",
      tls: { rejectUnauthorized: parsed.searchParams.get("tls") !== "insecure" },
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
      const code = (error as { responseCode?: number }).responseCode;
      const permanent = typeof code === "number" && code >= 500 && code < 600;
      // The SMTP answer text is kept out: it can echo addresses and server internals.
      throw new DeliveryError(code ? `smtp_${code}` : "smtp_unreachable", permanent ? "permanent" : "temporary");
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
