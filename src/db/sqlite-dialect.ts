import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from "kysely";

/**
 * Kysely's SQLite dialect with two changes:
 *
 * - Transactions begin with `BEGIN IMMEDIATE`: they take the write lock at once, waiting for it
 *   under `busy_timeout`. A deferred transaction that reads and then writes cannot wait: SQLite
 *   answers `SQLITE_BUSY` at once rather than risk a deadlock when another connection (the
 *   checkpointer, the CLI) holds the lock. The server has one connection, so its transactions
 *   run one at a time in any case.
 * - Every use of the connection passes a gate that the checkpointer closes for the few
 *   milliseconds it needs the database to itself (ADR 0008). Waiting there is a promise, not
 *   SQLite's busy handler, which would sleep on the event loop.
 */
export class GatedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly gate: ConnectionGate,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new GatedSqliteDriver(this.config, this.gate);
  }
}

class GatedSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly gate: ConnectionGate,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.gate.enter();
    try {
      return await super.acquireConnection();
    } catch (error) {
      this.gate.leave();
      throw error;
    }
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.gate.leave();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** Lets callers through while open; `close()` stops new ones and waits for those inside. */
export class ConnectionGate {
  private inside = 0;
  private closed: Promise<void> | undefined;
  private reopen: (() => void) | undefined;
  private emptied: (() => void) | undefined;

  async enter(): Promise<void> {
    while (this.closed) await this.closed;
    this.inside++;
  }

  leave(): void {
    this.inside--;
    if (this.inside === 0) this.emptied?.();
  }

  /** Resolves, once no caller is inside, with the function that opens the gate again. */
  async close(): Promise<() => void> {
    while (this.closed) await this.closed;
    this.closed = new Promise<void>((resolve) => {
      this.reopen = resolve;
    });
    if (this.inside > 0) {
      await new Promise<void>((resolve) => {
        this.emptied = resolve;
      });
      this.emptied = undefined;
    }
    let opened = false;
    return () => {
      if (opened) return;
      opened = true;
      const reopen = this.reopen;
      this.closed = undefined;
      this.reopen = undefined;
      reopen?.();
    };
  }
}
