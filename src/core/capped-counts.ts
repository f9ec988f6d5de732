interface Entry {
  count: number;
  countedAt: number;
}

const FRESH_MS = 2_000;
const NEAR_CAP = 0.9;

/**
 * A per-organization cap (pending invitations, members) without counting every row on every
 * write (ADR 0005). The exact count is taken from the database when this process has none
 * younger than two seconds, or when the organization is within 10% of its cap; otherwise the
 * last count plus this process's own additions since is used.
 */
export class CappedCounts {
  private readonly entries = new Map<string, Entry>();

  /** A count good enough to decide with, or undefined when the database must count. */
  peek(key: string, now: number, cap: number, adding: number): number | undefined {
    if (cap <= 0) return 0;
    const entry = this.entries.get(key);
    if (!entry || now - entry.countedAt > FRESH_MS) return undefined;
    if (entry.count + adding > cap * NEAR_CAP) return undefined;
    return entry.count;
  }

  /** Records the count after a create; `countedAt` is set only when the database counted. */
  record(key: string, count: number, countedAt: number | undefined): void {
    const entry = this.entries.get(key);
    if (countedAt !== undefined) {
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(key, { count, countedAt });
    } else if (entry) {
      entry.count = Math.max(entry.count, count);
    }
  }
}
