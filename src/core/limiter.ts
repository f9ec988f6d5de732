/**
 * Fixed-window counters behind one interface (PRODUCT.md §5). The in-memory store serves a
 * single process; a shared store (PostgreSQL or Redis) implements the same interface.
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

interface Window {
  start: number;
  /** When the window closes; a closed window is dropped by the next sweep. */
  end: number;
  count: number;
}

export class MemoryLimitStore implements LimitStore {
  private readonly windows = new Map<string, Window>();
  /** Keys by the end of the window they opened: windows are fixed, so many end together. */
  private readonly closing = new Map<number, string[]>();
  private sweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Windows held in memory (the open ones, and those closed since the last sweep). */
  get size(): number {
    return this.windows.size;
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitResult> {
    if (limit <= 0) return { allowed: true, retryAfter: 0 };
    const now = this.now();
    this.sweep(now);
    const start = now - (now % windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, end: start + windowMs, count: 0 };
      this.windows.set(key, window);
      const keys = this.closing.get(window.end);
      if (keys) keys.push(key);
      else this.closing.set(window.end, [key]);
    }
    const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
    // A zero-cost call asks whether anything is left without taking it.
    if (cost === 0 ? window.count >= limit : window.count + cost > limit) return { allowed: false, retryAfter };
    window.count += cost;
    return { allowed: true, retryAfter };
  }

  async refund(key: string, windowMs: number, cost = 1): Promise<void> {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.start === now - (now % windowMs)) window.count = Math.max(0, window.count - cost);
  }

  /**
   * Drops closed windows once a second, looking only at those that closed: the map holds the
   * open windows alone (one per recipient emailed in the last ten minutes, say).
   */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 1_000;
    for (const [end, keys] of this.closing) {
      if (end > now) continue;
      for (const key of keys) {
        const window = this.windows.get(key);
        if (window && window.end <= now) this.windows.delete(key);
      }
      this.closing.delete(end);
    }
  }
}
