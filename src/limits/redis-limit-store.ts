import { Redis } from "ioredis";
import { AppError } from "../core/errors.js";
import type { LimitResult, LimitStore } from "../core/limiter.js";

/**
 * Fixed-window counters in Redis, shared by every process given the same `REDIS_URL` (PRODUCT.md
 * §5, ADR 0012). A counter is one key per window, `<prefix><window length>:<window start>:<key>`,
 * that expires when its window ends. Each check-and-add is one Lua script, so two processes can
 * never both take the last unit. Windows follow the caller's clock, as the in-memory store's do.
 */
const CONSUME = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
if cost == 0 then
  if count >= limit then return 0 end
  return 1
end
if count + cost > limit then return 0 end
if redis.call('INCRBY', KEYS[1], cost) == cost then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

const REFUND = `
local count = tonumber(redis.call('GET', KEYS[1]) or '-1')
if count < 0 then return 0 end
local left = count - tonumber(ARGV[1])
if left < 0 then left = 0 end
redis.call('SET', KEYS[1], left, 'KEEPTTL')
return 1
`;

/** A counter outlives its window by this much, so that a slightly late clock still finds it. */
const EXPIRY_MARGIN_MS = 5_000;

interface CounterCommands {
  usherConsume(key: string, limit: number, cost: number, ttlMs: number): Promise<number>;
  usherRefund(key: string, cost: number): Promise<number>;
}

export interface RedisLimitStoreOptions {
  url: string;
  now?: () => number;
  /** Prefix of every key Usher writes; several deployments may share one Redis. */
  prefix?: string;
  /** How long a request waits for Redis before it is answered 503. */
  commandTimeoutMs?: number;
  /** Told once each time Redis goes out of reach (the client then reconnects by itself). */
  onUnreachable?: (error: Error) => void;
}

export class RedisLimitStore implements LimitStore {
  private readonly redis: Redis & CounterCommands;
  private readonly now: () => number;
  private readonly prefix: string;

  constructor(options: RedisLimitStoreOptions) {
    this.now = options.now ?? Date.now;
    this.prefix = options.prefix ?? "usher:limits:";
    const redis = new Redis(options.url, {
      // Commands of the same tick go out as one write; concurrent requests share round trips.
      enableAutoPipelining: true,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    redis.defineCommand("usherConsume", { numberOfKeys: 1, lua: CONSUME });
    redis.defineCommand("usherRefund", { numberOfKeys: 1, lua: REFUND });
    // Errors reach the requests that were waiting; the client reconnects by itself.
    let reachable = true;
    redis.on("ready", () => {
      reachable = true;
    });
    redis.on("error", (error: Error) => {
      if (!reachable) return;
      reachable = false;
      options.onUnreachable?.(error);
    });
    this.redis = redis as Redis & CounterCommands;
  }

  /** Connects and checks the server answers; a process started with a wrong URL stops here. */
  async connect(): Promise<void> {
    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (error) {
      this.redis.disconnect();
      throw new Error(`REDIS_URL: cannot reach the Redis server (${describe(error)})`);
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitResult> {
    if (limit <= 0) return { allowed: true, retryAfter: 0 };
    const now = this.now();
    const start = now - (now % windowMs);
    const end = start + windowMs;
    const allowed = await this.call(() =>
      this.redis.usherConsume(this.counter(key, windowMs, start), limit, cost, end - now + EXPIRY_MARGIN_MS),
    );
    return { allowed: allowed === 1, retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) };
  }

  async refund(key: string, windowMs: number, cost = 1): Promise<void> {
    const now = this.now();
    await this.call(() => this.redis.usherRefund(this.counter(key, windowMs, now - (now % windowMs)), cost));
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private counter(key: string, windowMs: number, start: number): string {
    return `${this.prefix}${windowMs}:${start}:${key}`;
  }

  /** Redis out of reach is the server's trouble, not the caller's: 503, and nothing written. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw new AppError("service_unavailable", { detail: "the limit counters cannot be reached; try again later", retryAfter: 1 });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
