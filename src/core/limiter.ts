/**
 * Fixed-window counters behind one interface (PRODUCT.md §5). The in-memory store serves a
 * single process; the Redis store (ADR 0012) implements the same interface for several.
 */
export interface LimitResult {
  allowed: boolean;
  /** Seconds until the window resets; meaningful when not allowed. */
  retryAfter: number;
}

export interface LimitStore {
  /**
   * Adds `cost` to the counter unless that would pass `limit`; a limit of 0 means unlimited;
   * a cost of 0 only asks whether the counter is below the limit.
   */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<LimitResult>;
  /** Gives back what a failed operation consumed. */
  refund(key: string, windowMs: number, cost?: number): Promise<void>;
}

/** The counters of one fixed window (one length, one start): key → count. */
interface Window {
  end: number;
  counts: Map<string, number>;
}

export class MemoryLimitStore implements LimitStore {
  /**
   * Windows are fixed, so every key of one length shares its start and end: counters live in
   * one map per open window, and a window that closed is dropped whole. What is held is one
   * number per key and open window (one per recipient emailed in the last ten minutes, say).
   */
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counters held in memory (those of open windows, and of windows closed since the last call). */
  get size(): number {
    let n = 0;
    for (const window of this.windows.values()) n += window.counts.size;
    return n;
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitResult> {
    if (limit <= 0) return { allowed: true, retryAfter: 0 };
    const now = this.now();
    const window = this.window(now, windowMs, true);
    const count = window.counts.get(key) ?? 0;
    const retryAfter = Math.max(1, Math.ceil((window.end - now) / 1000));
    // A zero-cost call asks whether anything is left without taking it.
    if (cost === 0 ? count >= limit : count + cost > limit) return { allowed: false, retryAfter };
    if (cost > 0) window.counts.set(key, count + cost);
    return { allowed: true, retryAfter };
  }

  async refund(key: string, windowMs: number, cost = 1): Promise<void> {
    const window = this.window(this.now(), windowMs, false);
    const count = window?.counts.get(key);
    if (window && count !== undefined) window.counts.set(key, Math.max(0, count - cost));
  }

  /** The open window of this length; windows that closed are dropped on the way. */
  private window(now: number, windowMs: number, create: true): Window;
  private window(now: number, windowMs: number, create: false): Window | undefined;
  private window(now: number, windowMs: number, create: boolean): Window | undefined {
    const start = now - (now % windowMs);
    const id = `${windowMs}:${start}`;
    let window = this.windows.get(id);
    if (!window && create) {
      for (const [other, open] of this.windows) if (open.end <= now) this.windows.delete(other);
      window = { end: start + windowMs, counts: new Map() };
      this.windows.set(id, window);
    }
    return window;
  }
}
