import { AppError } from "../core/errors.js";
import type { LimitResult, LimitStore } from "../core/limiter.js";
import { defaultSettings, type TenantSettings } from "../settings/settings.js";

const MINUTE_MS = 60_000;
const TEN_MINUTES_MS = 600_000;

/** The named limits of PRODUCT.md §5 on top of a counter store. */
export class LimitGuard {
  constructor(private readonly store: LimitStore) {}

  consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitResult> {
    return this.store.consume(key, limit, windowMs, cost);
  }

  refund(key: string, windowMs: number, cost = 1): Promise<void> {
    return this.store.refund(key, windowMs, cost);
  }

  /** Create and resend both count against the per-recipient send limit. */
  async consumeSend(tenantId: string, email: string, settings: TenantSettings): Promise<{ allowed: boolean; error?: AppError }> {
    const limit = settings.limits.sendsPerRecipientPer10Minutes;
    const result = await this.store.consume(`send:${tenantId}:${email}`, limit, TEN_MINUTES_MS);
    if (result.allowed) return { allowed: true };
    return {
      allowed: false,
      error: new AppError("send_limit_exceeded", {
        detail: `at most ${limit} emails to one recipient per 10 minutes`,
        retryAfter: result.retryAfter,
        limit: "sendsPerRecipientPer10Minutes",
        errors: [{ path: "/email", message: `too many emails to ${email}`, code: "send_limit_exceeded" }],
      }),
    };
  }

  refundSend(tenantId: string, email: string): Promise<void> {
    return this.store.refund(`send:${tenantId}:${email}`, TEN_MINUTES_MS);
  }

  async requireRequestAllowance(keyId: string, settings: TenantSettings): Promise<void> {
    const limit = settings.limits.requestsPerKeyPerMinute;
    if (limit <= 0) return;
    const result = await this.store.consume(`req:${keyId}`, limit, MINUTE_MS);
    if (!result.allowed) {
      throw new AppError("request_limit_exceeded", {
        detail: `at most ${limit} requests per API key per minute`,
        retryAfter: result.retryAfter,
        limit: "requestsPerKeyPerMinute",
      });
    }
  }

  /**
   * Failed token attempts are counted per client address across the server: an unknown token
   * names no tenant, so the limit is the default of the settings (ADR 0005).
   */
  readonly tokenAttemptLimit = defaultSettings().limits.failedTokenAttemptsPerAddressPerMinute;

  async requireTokenAttemptsLeft(address: string): Promise<void> {
    const result = await this.store.consume(`token:${address}`, this.tokenAttemptLimit, MINUTE_MS, 0);
    if (!result.allowed) throw this.tokenAttemptsError(result.retryAfter);
  }

  async recordFailedTokenAttempt(address: string): Promise<void> {
    await this.store.consume(`token:${address}`, this.tokenAttemptLimit + 1, MINUTE_MS, 1);
  }

  private tokenAttemptsError(retryAfter: number): AppError {
    return new AppError("token_attempts_exceeded", {
      detail: "too many failed token attempts from this address; try again later",
      retryAfter,
      limit: "failedTokenAttemptsPerAddressPerMinute",
    });
  }
}
