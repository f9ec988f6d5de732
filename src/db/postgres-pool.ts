import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";
import { DescribedColumns, type OnColumns, type RawRowStats, RawRowsQuery, type RowFields, type RowsAsTheyArrive } from "./raw-rows.js";
import { RowBuilders } from "./rows.js";

/**
 * Statements that run often are named prepared statements: PostgreSQL parses, analyses and
 * plans an unnamed statement every time it runs, which was about a quarter of its CPU per
 * create. A text is named once it has run a few times, and each connection prepares it at its
 * first use. Names are capped, so that each connection holds a bounded set of plans whatever
 * the shapes of the queries. A text with an `in (…)` list of parameters is never named: it is
 * another text for every length of the list (the paths that run most pass arrays instead,
 * `lists.ts`), and would use up the names.
 */
const PARAMETER_LIST = / in \(\$\d/;

export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seen = new Map<string, number>();
  private last = 0;

  constructor(
    private readonly most = 100,
    private readonly after = 3,
  ) {}

  for(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.names.size >= this.most || PARAMETER_LIST.test(text)) return name;
    const count = (this.seen.get(text) ?? 0) + 1;
    if (count < this.after) {
      if (this.seen.size >= 10 * this.most) this.seen.clear();
      this.seen.set(text, count);
      return undefined;
    }
    this.seen.delete(text);
    const named = `usher_${++this.last}`;
    this.names.set(text, named);
    return named;
  }

  /**
   * A new name for a named text whose plan PostgreSQL refused because a table it reads changed
   * (a migration by another process): every connection prepares the new name at its next use.
   */
  renew(text: string): string | undefined {
    if (!this.names.has(text)) return undefined;
    const named = `usher_${++this.last}`;
    this.names.set(text, named);
    return named;
  }

  get size(): number {
    return this.names.size;
  }
}

/** PostgreSQL's answer to a prepared statement whose result columns changed since it was prepared. */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "0A000" && typeof message === "string" && message.includes("cached plan must not change result type");
}

/** What a `RawRowsQuery` is given besides its statement: where its columns and rows go, and its counts. */
export interface RawRowsReading {
  onColumns: OnColumns;
  onRow: (row: RowFields) => void;
  stats: RawRowStats;
  described: DescribedColumns;
}

/**
 * Runs `text` on `client` as a `RawRowsQuery`, named by `names` once it runs often. A named
 * statement whose plan PostgreSQL refused as stale fails before any row: it is named anew and
 * run once more, where `mayRetry` says the connection can (outside a transaction).
 */
export async function eachRawRow(
  client: pg.ClientBase,
  names: StatementNames,
  text: string,
  values: ReadonlyArray<unknown>,
  reading: RawRowsReading,
  mayRetry: () => boolean = () => true,
): Promise<void> {
  const run = (name: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const config = { text, values: [...values], ...(name !== undefined && { name }) };
      const query = new RawRowsQuery(config, reading.onColumns, reading.onRow, reading.stats, reading.described);
      (query as unknown as { callback: (error?: Error) => void }).callback = (error) => (error ? reject(error) : resolve());
      client.query(query);
    });
  const name = names.for(text);
  try {
    await run(name);
  } catch (error) {
    const renewed = name === undefined || !isStalePlan(error) ? undefined : names.renew(text);
    if (renewed === undefined || !mayRetry()) throw error;
    await run(renewed);
  }
}

/**
 * The pg pool as Kysely's dialect wants it, with rows read as arrays and turned into objects by
 * a function made once per column list (see rows.ts): a page of 50 invitations is a few
 * thousand values, and pg's own row objects are built key by key.
 */
export class ArrayRowPool implements PostgresPool, RowsAsTheyArrive {
  private readonly builders = new RowBuilders();
  private readonly names: StatementNames;
  private readonly onError: (error: Error) => void;
  /** Rows `eachRow` read as bytes and as the driver's strings (raw-rows.ts). */
  readonly rawStats: RawRowStats = { raw: 0, text: 0, undescribed: 0 };
  private readonly described = new DescribedColumns();

  constructor(
    private readonly pool: pg.Pool,
    options: { names?: StatementNames; onError?: (error: Error) => void } = {},
  ) {
    this.names = options.names ?? new StatementNames();
    this.onError = options.onError ?? (() => undefined);
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    // A lent connection the server ends (a restart, a terminated backend) is an `error` event
    // on the client, which the pool listens to only while the client is idle: unheard, it
    // would end the process. The statement in flight, or the next one, fails with it too. Told
    // once: the driver follows the server's reason with its own when the socket closes.
    let told = false;
    const hear = (error: Error) => {
      if (told) return;
      told = true;
      this.onError(error);
    };
    client.on("error", hear);
    return new ArrayRowClient(client, this.builders, this.names, hear);
  }

  /**
   * Runs `text` outside any transaction with its rows handed to `onRow` as they arrive, read
   * where they are (raw-rows.ts) on a client of the raw-rows pool; none is kept.
   */
  async eachRow(text: string, values: ReadonlyArray<unknown>, onColumns: OnColumns, onRow: (row: RowFields) => void): Promise<void> {
    const client = (await this.connect()) as ArrayRowClient;
    try {
      await client.eachRow(text, values, { onColumns, onRow, stats: this.rawStats, described: this.described });
    } finally {
      client.release();
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class ArrayRowClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly builders: RowBuilders,
    private readonly names: StatementNames,
    private readonly onError: (error: Error) => void,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== "string") return this.client.query(sqlOrCursor as never) as PostgresCursor<R>;
    return this.arrays<R>(sqlOrCursor, parameters ?? []);
  }

  private async arrays<R>(text: string, values: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const name = this.names.for(text);
    const query = { text, values: [...values], rowMode: "array" as const };
    let result: pg.QueryArrayResult<unknown[]>;
    try {
      result = await this.client.query<unknown[]>(name === undefined ? query : { ...query, name });
    } catch (error) {
      if (name === undefined || !isStalePlan(error)) throw error;
      const renewed = this.names.renew(text);
      // Inside a transaction the error has aborted it: it fails as any error would, and the
      // transaction that retries it prepares the new name.
      if (this.client.getTransactionStatus() !== "I" || renewed === undefined) throw error;
      result = await this.client.query<unknown[]>({ ...query, name: renewed });
    }
    const build = result.fields.length > 0 ? this.builders.for(result.fields.map((f) => f.name)) : undefined;
    return {
      command: result.command as PostgresQueryResult<R>["command"],
      rowCount: result.rowCount ?? 0,
      rows: (build ? result.rows.map((row) => build(row)) : []) as R[],
    };
  }

  eachRow(text: string, values: ReadonlyArray<unknown>, reading: RawRowsReading): Promise<void> {
    // Inside a transaction a stale plan has aborted it: it fails as any error would (see `arrays`).
    return eachRawRow(this.client, this.names, text, values, reading, () => this.client.getTransactionStatus() === "I");
  }

  release(): void {
    this.client.off("error", this.onError);
    this.client.release();
  }
}
