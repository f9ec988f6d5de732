interface Entry {
  count: number;
  countedAt: number;
}

const FRESH_MS = 2_000;
const NEAR_CAP = 0.9;

/** How a group decided: from a known count, or from the database's (`counted`). */
export interface CapDecision {
  /** The organization's count the group added to. */
  base: number;
  counted?: { at: number; mark: number };
}

/** Additions decided from a count, held until the transaction that writes them ends. */
export interface HeldCount {
  /** Gives the hold back; `created` is what the transaction committed (undefined: nothing). */
  settle(created?: number): void;
}

/**
 * A per-organization cap (pending invitations, members) without counting every row on every
 * write (ADR 0005). The exact count is taken from the database when this process has none
 * younger than two seconds, or when the organization is within 10% of its cap; otherwise the
 * last count plus this process's own additions since is used.
 *
 * This process's additions count from the moment they are decided, not from their commit:
 * until its transaction ends, a group holds what it adds, and every other decision from a
 * known count adds what is held. The database counts under the organization's lock, which
 * every group that counted took before it and kept until its transaction ended: when the
 * count is read, those groups have committed (their rows are in the count) or rolled back,
 * even if the process has not yet settled their holds, so only what the groups that decided
 * from a known count hold is added to it. A count near the cap is therefore exact. The errors
 * left all count too much (a hold whose transaction rolled back, a commit of a group that
 * decided from a known count, seen both by the database and as a hold for a moment), so the
 * cap is never passed; an exact count, at least every two seconds and whenever the cap is
 * near, corrects them.
 */
export class CappedCounts {
  private readonly entries = new Map<string, Entry>();
  private readonly held = new Map<string, number>();
  /** The part of `held` decided from a known count, without the organization's lock. */
  private readonly heldUnlocked = new Map<string, number>();
  /** Every addition ever decided per key, so that a count can tell what was decided after it. */
  private readonly decided = new Map<string, number>();

  /** A count good enough to decide with, or undefined when the database must count. */
  peek(key: string, now: number, cap: number, adding: number): number | undefined {
    if (cap <= 0) return 0;
    const entry = this.entries.get(key);
    if (!entry || now - entry.countedAt > FRESH_MS) return undefined;
    const count = entry.count + this.inFlight(key);
    if (count + adding > cap * NEAR_CAP) return undefined;
    return count;
  }

  /**
   * The database's count, just read under the organization's lock, with what groups that
   * decided without the lock hold added.
   */
  counted(key: string, inDatabase: number, at: number): CapDecision {
    return { base: inDatabase + (this.heldUnlocked.get(key) ?? 0), counted: { at, mark: this.decided.get(key) ?? 0 } };
  }

  /** Holds `adding` until the transaction that writes them settles it. */
  hold(key: string, adding: number, decision: CapDecision): HeldCount {
    const unlocked = decision.counted === undefined;
    add(this.held, key, adding);
    if (unlocked) add(this.heldUnlocked, key, adding);
    this.decided.set(key, (this.decided.get(key) ?? 0) + adding);
    let settled = false;
    return {
      settle: (created) => {
        if (settled) return;
        settled = true;
        add(this.held, key, -adding);
        if (unlocked) add(this.heldUnlocked, key, -adding);
        if (created !== undefined) this.record(key, adding, created, decision);
      },
    };
  }

  /** Keeps memory bounded: a key's running total only matters while one of its groups holds. */
  private forget(): void {
    this.entries.clear();
    for (const key of this.decided.keys()) if (!this.held.has(key)) this.decided.delete(key);
  }

  private inFlight(key: string): number {
    return this.held.get(key) ?? 0;
  }

  private record(key: string, adding: number, created: number, { base, counted }: CapDecision): void {
    const entry = this.entries.get(key);
    if (counted) {
      // What others decided after the count is in neither the count nor the base.
      const since = (this.decided.get(key) ?? 0) - counted.mark - adding;
      if (this.entries.size > 10_000) this.forget();
      this.entries.set(key, { count: base + created + since, countedAt: counted.at });
    } else if (entry) {
      entry.count = Math.max(entry.count, base + created);
    }
  }
}

/** Adds `amount` to a key's total, dropping the key when nothing is left. */
function add(totals: Map<string, number>, key: string, amount: number): void {
  const total = (totals.get(key) ?? 0) + amount;
  if (total > 0) totals.set(key, total);
  else totals.delete(key);
}
