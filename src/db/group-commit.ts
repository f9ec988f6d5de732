/**
 * Group commit (ADR 0007): work items that arrive while the database is busy are written
 * together, in one transaction, by one call of `write`. Each item's promise settles only after
 * that transaction committed, or with its own error. If a group's transaction fails as a whole,
 * each of its items is written again alone, so one item can never sink the others.
 */
export interface GroupCommitOptions {
  /** Most items in one group. */
  maxItems: number;
  /** Groups being written at once (1 for SQLite's single connection). */
  concurrency: number;
}

/** Writes a group in one transaction; item outcomes are recorded on the items themselves. */
export type GroupWriter<T> = (items: T[]) => Promise<void>;

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  private readonly queue: Array<Waiting<T>> = [];
  private running = 0;
  private scheduled = false;
  /** Groups written and the items in them, since start (observability and tests). */
  readonly stats = { groups: 0, items: 0, largest: 0 };

  constructor(
    private readonly write: GroupWriter<T>,
    private readonly options: GroupCommitOptions,
    /**
     * Items that must not share a group (the same key) wait for the next one, so that within a
     * group no item's outcome depends on another's.
     */
    private readonly keyOf: (item: T) => string,
  ) {}

  /** Resolves once the item's group committed; rejects with the item's own failure. */
  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // Let every request already read from the sockets join before the group is cut.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const group = this.take();
      this.running += 1;
      void this.run(group).finally(() => {
        this.running -= 1;
        this.schedule();
      });
    }
  }

  /** The next group: queue order, at most one item per key, at most `maxItems`. */
  private take(): Array<Waiting<T>> {
    const group: Array<Waiting<T>> = [];
    const keys = new Set<string>();
    const left: Array<Waiting<T>> = [];
    for (const waiting of this.queue) {
      const key = this.keyOf(waiting.item);
      if (group.length < this.options.maxItems && !keys.has(key)) {
        keys.add(key);
        group.push(waiting);
      } else {
        left.push(waiting);
      }
    }
    this.queue.length = 0;
    this.queue.push(...left);
    return group;
  }

  private async run(group: Array<Waiting<T>>): Promise<void> {
    this.stats.groups += 1;
    this.stats.items += group.length;
    this.stats.largest = Math.max(this.stats.largest, group.length);
    try {
      await this.write(group.map((w) => w.item));
      for (const w of group) w.resolve();
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
    }
    // The group failed as a whole: each item again, alone, with its own outcome.
    for (const w of group) {
      try {
        await this.write([w.item]);
        w.resolve();
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
