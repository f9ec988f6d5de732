import { mkdirSync } from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";
import { SqliteCheckpointer } from "./sqlite-checkpointer.js";

export type Db = Kysely<Database>;
export type DatabaseKind = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  close(): Promise<void>;
}

// bigint columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** Told about connections the server dropped while idle. */
  onIdleError?: (error: Error) => void;
}

export function openDatabase(options: OpenDatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 16 });
    // An idle connection dropped by the server (restart, failover) is removed from the pool;
    // without a listener the error would crash the process.
    pool.on("error", (error) => options.onIdleError?.(error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, "usher.sqlite");
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -16384");
  sqlite.pragma("temp_store = memory");
  sqlite.pragma("wal_autocheckpoint = 10000");
  const checkpointer = new SqliteCheckpointer(sqlite, file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    kind: "sqlite",
    close: async () => {
      await checkpointer.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; preparing costs more than running a small statement, so the
 * embedded database keeps the most recent statements prepared (their SQL text is the key).
 */
function withStatementCache(sqlite: SQLite.Database, size = 512) {
  const cache = new Map<string, CachedStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = new CachedStatement(sqlite.prepare(sql));
        if (cache.size >= size) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * A prepared statement whose rows are read as arrays and turned into objects by a function
 * made once for its columns: better-sqlite3 builds row objects key by key, which costs more
 * than reading the values (a page of 50 invitations: 0.46 ms as objects, 0.21 ms this way).
 */
class CachedStatement {
  readonly reader: boolean;
  private readonly toRow: ((values: unknown[]) => unknown) | undefined;

  constructor(private readonly statement: SQLite.Statement) {
    this.reader = statement.reader;
    if (this.reader) {
      statement.raw(true);
      this.toRow = rowBuilder(statement.columns().map((column) => column.name));
    }
  }

  all(parameters: readonly unknown[]): unknown[] {
    const rows = this.statement.all(parameters) as unknown[][];
    const toRow = this.toRow;
    return toRow ? rows.map((values) => toRow(values)) : rows;
  }

  run(parameters: readonly unknown[]) {
    return this.statement.run(parameters);
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    for (const values of this.statement.iterate(parameters) as IterableIterator<unknown[]>) yield this.toRow ? this.toRow(values) : values;
  }
}

/** `(values) => ({ "id": values[0], ... })` for these column names; a later duplicate name wins, as in an object. */
function rowBuilder(names: readonly string[]): (values: unknown[]) => unknown {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(", ");
  // The names are the statement's own column names, quoted as JSON string literals.
  return new Function("values", `return { ${fields} };`) as (values: unknown[]) => unknown;
}
