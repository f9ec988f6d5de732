import { mkdirSync } from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { PipelinedReads } from "./pipelined-reads.js";
import { ArrayRowPool } from "./postgres-pool.js";
import { RawRowsClient } from "./raw-rows.js";
import type { Database } from "./schema.js";
import { type CheckpointerOptions, SqliteCheckpointer } from "./sqlite-checkpointer.js";
import { ConnectionGate, GatedSqliteDialect } from "./sqlite-dialect.js";
import { withStatementCache } from "./sqlite-statements.js";

export type Db = Kysely<Database>;
export type DatabaseKind = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  /** PostgreSQL: the pool Kysely uses, which also reads a query's rows as they arrive (`eachRow`). */
  pool?: ArrayRowPool;
  /**
   * PostgreSQL: connections that send list pages' statements pipelined and keep their generic
   * plans (ADR 0033), for the statements whose one plan serves every value.
   */
  listReads?: PipelinedReads;
  close(): Promise<void>;
}

// bigint columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** SQLite only: how its log is checkpointed (tests shrink the thresholds). */
  checkpoints?: CheckpointerOptions;
  /**
   * Told about connections the server dropped, idle in the pool or lent out (a statement then
   * in flight, or the next one sent, fails with the same error).
   */
  onConnectionError?: (error: Error) => void;
  /**
   * PostgreSQL: how long a statement waits to be given a connection, a new one included, before
   * it fails (and its request answers 503): a server that accepts connections and never
   * answers, or a host gone from the network, would otherwise hold requests for minutes.
   */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: how long a statement may run, waiting for locks included, before the server
   * cancels it (and its request answers 503, ADR 0028). Migrations run without it.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL: connections for `listReads` at most; 0 sends list pages through the pool. */
  listConnections?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;

/** The embedded database's file in the data folder. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, "usher.sqlite");
}

export function openDatabase(options: OpenDatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const connection = {
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      // Sent when each connection starts, so that `reset statement_timeout` comes back to it.
      statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    };
    const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 16, Client: RawRowsClient });
    // A connection dropped by the server (restart, failover) is an `error` event, which
    // unheard would end the process: the pool hears its idle ones (and removes them), the
    // Kysely pool those lent out (postgres-pool.ts).
    const onError = (error: Error) => options.onConnectionError?.(error);
    pool.on("error", onError);
    const rows = new ArrayRowPool(pool, { onError });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: rows }) });
    const count = options.listConnections ?? 1;
    const listReads =
      count > 0
        ? new PipelinedReads({
            // Every statement sent here has one plan for all its values (ADR 0033).
            connection: { ...connection, options: "-c plan_cache_mode=force_generic_plan" },
            count,
            onError,
          })
        : undefined;
    const close = async () => {
      await listReads?.close();
      await db.destroy();
    };
    return { db, kind: "postgres", pool: rows, ...(listReads && { listReads }), close };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = sqliteFile(options.dataDir);
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -8192");
  sqlite.pragma("temp_store = memory");
  sqlite.pragma("wal_autocheckpoint = 10000");
  const gate = new ConnectionGate();
  const checkpointer = new SqliteCheckpointer(sqlite, file, gate, options.checkpoints);
  const db = new Kysely<Database>({ dialect: new GatedSqliteDialect({ database: withStatementCache(sqlite) }, gate) });
  return {
    db,
    kind: "sqlite",
    close: async () => {
      await checkpointer.stop();
      await db.destroy();
    },
  };
}
