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
  count: number;
}

export class MemoryLimitStore implements LimitStore {
  private readonly windows = new Map<string, Window>();
  private sweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<LimitResult> {
    if (limit <= 0) return { allowed: true, retryAfter: 0 };
    const now = this.now();
    this.sweep(now, windowMs);
    const start = now - (now % windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.windows.set(key, window);
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

  /** Drops finished windows now and then so the map does not grow without bound. */
  private sweep(now: number, windowMs: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + Math.min(windowMs, 60_000);
    for (const [key, window] of this.windows) {
      if (window.start + 3_600_000 < now) this.windows.delete(key);
    }
  }
}
