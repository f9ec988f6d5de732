import type { SecretBox } from "../core/crypto.js";
import type { SettingsService } from "../settings/settings-service.js";
import { type MailAddress, senderAddress } from "./sender-address.js";
import { SmtpTransport } from "./smtp-transport.js";
import { checkSmtpUrl, parseSmtpUrl } from "./smtp-url.js";
import { DeliveryError, type MailTransport } from "./transport.js";

export interface TransportRegistryDeps {
  settings: SettingsService;
  box: SecretBox;
  /** Used when neither the tenant nor the server names an SMTP server. */
  capture: MailTransport;
  /** The server-wide `SMTP_URL`. */
  serverSmtpUrl: string | undefined;
  publicUrl: string;
}

const MAX_POOLS = 64;

/**
 * Picks each tenant's transport (its own SMTP URL, else the server's, else capture) and sender,
 * keeping one connection pool per SMTP URL.
 */
export class TransportRegistry {
  private readonly pools = new Map<string, SmtpTransport>();

  constructor(private readonly deps: TransportRegistryDeps) {
    const problem = deps.serverSmtpUrl ? checkSmtpUrl(deps.serverSmtpUrl) : null;
    // The URL itself is left out of the message: it may hold a password.
    if (problem) throw new Error(`SMTP_URL ${problem}`);
  }

  async transportFor(tenantId: string): Promise<MailTransport> {
    const url = (await this.deps.settings.get(tenantId)).email.smtpUrl ?? this.deps.serverSmtpUrl;
    if (!url) return this.deps.capture;
    let pool = this.pools.get(url);
    if (!pool) {
      pool = new SmtpTransport(this.openUrl(url));
      this.pools.set(url, pool);
      await this.closeOldest();
    }
    return pool;
  }

  async senderFor(tenantId: string): Promise<MailAddress> {
    const settings = await this.deps.settings.get(tenantId);
    return senderAddress(settings.email.from, settings.brandName, this.deps.publicUrl);
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** URLs are checked when saved; should one still not parse, its text (and password) stays out of errors. */
  private openUrl(url: string) {
    try {
      return parseSmtpUrl(url, this.deps.box);
    } catch {
      throw new DeliveryError("smtp_config", "temporary");
    }
  }

  /** A tenant that changes its URL leaves a pool behind; past the cap the oldest one goes. */
  private async closeOldest(): Promise<void> {
    if (this.pools.size <= MAX_POOLS) return;
    const [oldest] = this.pools.keys();
    if (oldest === undefined) return;
    const pool = this.pools.get(oldest);
    this.pools.delete(oldest);
    await pool?.close();
  }
}
