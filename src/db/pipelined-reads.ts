import type pg from "pg";
import { eachRawRow, StatementNames } from "./postgres-pool.js";
import { DescribedColumns, type OnColumns, type RawRowStats, RawRowsClient, type RowFields, type RowsAsTheyArrive } from "./raw-rows.js";

export interface PipelinedReadsOptions {
  /** How each connection is made: the server, its timeouts, its settings. */
  connection: pg.ClientConfig;
  /** Connections at most; each is opened when the others all have statements in flight. */
  count: number;
  /** Told about a connection the server dropped; its statements in flight fail with the error. */
  onError?: (error: Error) => void;
}

interface Connection {
  client: RawRowsClient;
  ready: Promise<unknown>;
  inFlight: number;
}

/**
 * Reads sent down a few long-lived connections without waiting for the statement before to be
 * answered (the driver's pipeline mode), their rows handed over as they arrive (raw-rows.ts).
 * A pooled connection sends its next statement only once the last is answered, so PostgreSQL's
 * process goes to sleep after every statement and is woken by the next: on this kind of
 * machine the wake-up was the largest single cost of sending a list page's statement. Here the
 * next statements are already waiting when one ends. Each statement has its own Sync, so a
 * failed one fails alone. Only single statements outside any transaction belong here (ADR 0033).
 */
export class PipelinedReads implements RowsAsTheyArrive {
  /** Rows read as bytes and as strings, and statements run without a Describe. */
  readonly rawStats: RawRowStats = { raw: 0, text: 0, undescribed: 0 };
  private readonly names = new StatementNames();
  private readonly described = new DescribedColumns();
  private readonly connections: Connection[] = [];
  private closed = false;

  constructor(private readonly options: PipelinedReadsOptions) {}

  async eachRow(text: string, values: ReadonlyArray<unknown>, onColumns: OnColumns, onRow: (row: RowFields) => void): Promise<void> {
    const connection = this.pick();
    connection.inFlight += 1;
    try {
      await connection.ready;
      await eachRawRow(connection.client, this.names, text, values, { onColumns, onRow, stats: this.rawStats, described: this.described });
    } finally {
      connection.inFlight -= 1;
    }
  }

  /** Connections open now (tests). */
  get open(): number {
    return this.connections.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const ending = this.connections.splice(0).map((connection) => connection.client.end().catch(() => undefined));
    await Promise.all(ending);
  }

  /** The connection with the fewest statements in flight; a new one while all are busy and fewer than the most are open. */
  private pick(): Connection {
    // The driver's own words, which the error handler reads as the database being out of reach.
    if (this.closed) throw new Error("Client was closed and is not queryable");
    let best: Connection | undefined;
    for (const connection of this.connections) if (best === undefined || connection.inFlight < best.inFlight) best = connection;
    if (best !== undefined && (best.inFlight === 0 || this.connections.length >= this.options.count)) return best;
    return this.connect();
  }

  private connect(): Connection {
    const client = new RawRowsClient({ ...this.options.connection, pipeline: true });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      const at = this.connections.indexOf(connection);
      if (at >= 0) this.connections.splice(at, 1);
      if (error !== undefined) this.options.onError?.(error);
    };
    const connection: Connection = {
      client,
      // A connection that cannot be made fails the statements waiting for it, and the next
      // statement tries a new one.
      ready: client.connect().catch((error: unknown) => {
        drop();
        throw error;
      }),
      inFlight: 0,
    };
    // Unheard, an `error` event would end the process; the statements in flight fail with it.
    client.on("error", (error) => drop(error));
    client.on("end", () => drop());
    this.connections.push(connection);
    return connection;
  }
}
