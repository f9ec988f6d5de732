import { Redis } from "ioredis";
import { AppError } from "../core/errors.js";
import type { LimitResult, LimitStore } from "../core/limiter.js";

/**
 * Fixed-window counters in Redis, shared by every process given the same `REDIS_URL` (PRODUCT.md
 * §5, ADR 0012). A counter is one key per window, `<prefix><window length>:<window start>:<key>`,
 * that expires when its window ends. The consumes and refunds asked during one turn of the event
 * loop go to Redis as one Lua script that applies them in the order they were asked, so two
 * processes can never both take the last unit and a group of creates costs one round trip.
 * Windows follow the caller's clock, as the in-memory store's do.
 */
const APPLY = `
local answers = {}
for i = 1, #KEYS do
  local op = ARGV[i * 3 - 2]
  local cost = tonumber(ARGV[i * 3 - 1])
  local count = tonumber(redis.call('GET', KEYS[i]) or '-1')
  if op == 'r' then
    if count > 0 then
      local left = count - cost
      if left < 0 then left = 0 end
      redis.call('SET', KEYS[i], left, 'KEEPTTL')
    end
    answers[i] = 1
  else
    local limit = tonumber(op)
    if count < 0 then count = 0 end
    if cost == 0 then
      answers[i] = count < limit and 1 or 0
    elseif count + cost > limit then
      answers[i] = 0
    else
      if redis.call('INCRBY', KEYS[i], cost) == cost then redis.call('PEXPIRE', KEYS[i], ARGV[i * 3]) end
      answers[i] = 1
    end
  end
end
return answers
`;

/** A counter outlives its window by this much, so that a slightly late clock still finds it. */
const EXPIRY_MARGIN_MS = 5_000;

interface CounterCommands {
  usherApply(keyCount: number, ...keysThenArguments: Array<string | number>): Promise<number[]>;
}

/** One consume (`limit` set) or refund, waiting for the next script. */
interface Pending {
  key: string;
  limit?: number;
  cost: number;
  ttlMs: number;
  resolve(answer: number): void;
  reject(error: unknown): void;
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
  private connected = true;

  constructor(options: RedisLimitStoreOptions) {
    this.now = options.now ?? Date.now;
    this.prefix = options.prefix ?? "usher:limits:";
    const redis = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      // A script whose answer was lost may have been applied: never send it twice.
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
    });
    redis.defineCommand("usherApply", { lua: APPLY });
    // Errors reach the requests that were waiting; the client reconnects by itself.
    redis.on("ready", () => {
      this.connected = true;
    });
    redis.on("error", (error: Error) => {
      if (!this.connected) return;
      this.connected = false;
      options.onUnreachable?.(error);
    });
    this.redis = redis as Redis & CounterCommands;
  }

  /** False from an error of the connection until it is ready again (`/metrics` shows it). */
  get reachable(): boolean {
    return this.connected;
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
    const allowed = await this.ask(this.counter(key, windowMs, start), cost, end - now + EXPIRY_MARGIN_MS, limit);
    return { allowed: allowed === 1, retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) };
  }

  async refund(key: string, windowMs: number, cost = 1): Promise<void> {
    const now = this.now();
    await this.ask(this.counter(key, windowMs, now - (now % windowMs)), cost, 0);
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

  private pending: Pending[] = [];

  /** Queues one operation for the script sent when this turn of the event loop ends. */
  private ask(key: string, cost: number, ttlMs: number, limit?: number): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ key, limit, cost, ttlMs, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const keys = batch.map((op) => op.key);
    const args = batch.flatMap((op) => [op.limit === undefined ? "r" : op.limit, op.cost, op.ttlMs]);
    try {
      const answers = await this.redis.usherApply(batch.length, ...keys, ...args);
      batch.forEach((op, at) => {
        op.resolve(Number(answers[at]));
      });
    } catch {
      // Redis out of reach is the server's trouble, not the caller's: 503, and nothing written.
      const error = new AppError("service_unavailable", { detail: "the limit counters cannot be reached; try again later", retryAfter: 1 });
      for (const op of batch) op.reject(error);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
