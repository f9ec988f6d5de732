import { sql } from "kysely";
import pg from "pg";
import type { DatabaseKind, Db } from "./database.js";

/** What a process caches and another process may change. */
export type CachedKind = "api_key" | "settings";

const CHANNEL = "usher_invalidate";
const RECONNECT_MS = 1_000;

export interface InvalidationsOptions {
  kind: DatabaseKind;
  databaseUrl?: string;
  /** Told when the listening connection is lost (the caches fall back to their lifetimes). */
  onLost?: (error: Error) => void;
}

/**
 * Tells every process on one PostgreSQL database that a cached row changed (ADR 0013): a
 * change announces itself inside its own transaction with `pg_notify`, which PostgreSQL
 * delivers when (and only if) the transaction commits, and each process listens on one
 * connection of its own and drops its copy. The process that made the change drops its copy
 * itself, at once. On SQLite there is nothing to tell: one process serves the file.
 *
 * While the listening connection is down, the caches keep their short lifetimes; when it is
 * back, every cache is emptied, since what changed meanwhile was not heard.
 */
export class Invalidations {
  private readonly handlers = new Map<CachedKind, Array<(id: string) => void>>();
  private readonly resets: Array<() => void> = [];
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lost = false;

  constructor(private readonly options: InvalidationsOptions) {}

  /** Runs `drop(id)` whenever another process changes the cached row `id` of this kind. */
  on(kind: CachedKind, drop: (id: string) => void): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), drop]);
  }

  /** Runs `clear()` when changes may have gone unheard. */
  onReset(clear: () => void): void {
    this.resets.push(clear);
  }

  /** Announces, inside the transaction that changes them, that these rows change. */
  async announce(trx: Db, kind: CachedKind, ids: readonly string[]): Promise<void> {
    if (this.options.kind !== "postgres" || ids.length === 0) return;
    await sql`select pg_notify(${CHANNEL}, ${kind} || ':' || id) from unnest(${ids}::text[]) as id`.execute(trx);
  }

  /** Whether changes are heard now; undefined where there is nothing to hear (SQLite). */
  get listening(): boolean | undefined {
    if (this.options.kind !== "postgres" || !this.options.databaseUrl) return undefined;
    return this.client !== undefined;
  }

  /** Drops this process's copies of rows it has just changed (after the commit). */
  dropHere(kind: CachedKind, ids: readonly string[]): void {
    const handlers = this.handlers.get(kind) ?? [];
    for (const id of ids) for (const drop of handlers) drop(id);
  }

  /** Starts listening; a database that cannot be reached at start stops the start. */
  async start(): Promise<void> {
    if (this.options.kind !== "postgres" || !this.options.databaseUrl) return;
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: "usher-invalidations" });
    client.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) this.dispatch(message.payload);
    });
    client.on("error", (error) => this.drop(client, error));
    client.on("end", () => this.drop(client, new Error("the listening connection ended")));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.lost) {
      this.lost = false;
      for (const clear of this.resets) clear();
    }
  }

  private dispatch(payload: string): void {
    const colon = payload.indexOf(":");
    this.dropHere(payload.slice(0, colon) as CachedKind, [payload.slice(colon + 1)]);
  }

  private drop(client: pg.Client, error: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.lost = true;
    this.options.onLost?.(error);
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    this.timer = setTimeout(() => {
      this.listen().catch(() => {
        if (!this.closed) this.retry();
      });
    }, RECONNECT_MS);
    this.timer.unref();
  }
}

/**
 * Rows kept for a short lifetime and dropped when they change, here or in another process.
 * A read that started before a drop does not store its row after it, so a copy read just
 * before a change cannot outlive the change.
 */
export class DroppableCache<T> {
  private readonly entries = new Map<string, { value: T; loadedAt: number }>();
  /** Counts drops, so that a read can tell whether one happened while it waited. */
  private drops = 0;

  constructor(
    invalidations: Invalidations,
    kind: CachedKind,
    private readonly ttlMs: number,
  ) {
    invalidations.on(kind, (id) => {
      this.drops++;
      this.entries.delete(id);
    });
    invalidations.onReset(() => {
      this.drops++;
      this.entries.clear();
    });
  }

  /** The copy younger than the lifetime, or what `read` finds (undefined: nothing to keep). */
  async get(id: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const now = Date.now();
    const hit = this.entries.get(id);
    if (hit && now - hit.loadedAt < this.ttlMs) return hit.value;
    const drops = this.drops;
    const value = await read();
    if (value === undefined) this.entries.delete(id);
    else if (this.drops === drops) this.entries.set(id, { value, loadedAt: now });
    return value;
  }

  /** Keeps a value this process has just written. */
  set(id: string, value: T): void {
    this.entries.set(id, { value, loadedAt: Date.now() });
  }
}
