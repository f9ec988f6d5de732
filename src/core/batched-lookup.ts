/**
 * Lookups by key that arrive in the same turn of the event loop are answered by one query:
 * under load on PostgreSQL a round trip costs more than reading several rows at once. Each
 * caller gets the value for its own key (undefined when there is none); a failed query fails
 * the lookups it carried.
 */
export class BatchedLookup<V> {
  private waiting = new Map<string, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxKeys = 100,
  ) {}

  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const callers = this.waiting.get(key);
      if (callers) callers.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxKeys) {
      const chunk = keys.slice(i, i + this.maxKeys);
      this.fetch(chunk).then(
        (found) => {
          for (const key of chunk) for (const caller of batch.get(key) ?? []) caller.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const key of chunk) for (const caller of batch.get(key) ?? []) caller.reject(error);
        },
      );
    }
  }
}
