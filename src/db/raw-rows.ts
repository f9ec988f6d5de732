import { createRequire } from "node:module";
import pg from "pg";

/**
 * PostgreSQL rows read where they arrive, without a string per field (ADR 0027). The driver
 * decodes every field of every row into a string before anyone sees it, and a list page of 50
 * is 600 of them, most copied once more into the page. A client of this pool reads a query's
 * rows as the bytes of the socket instead, when the query asks for it (`RawRowsQuery`); every
 * other query is read as the driver always reads it.
 */

/** Told a statement's result columns, their names and PostgreSQL type OIDs, before its first row. */
export type OnColumns = (names: readonly string[], types: readonly number[]) => void;

/**
 * Where a statement's rows are read as they arrive: the pool (`ArrayRowPool`) or pipelined
 * connections (`PipelinedReads`). `text` runs once outside any transaction; no row is kept.
 */
export interface RowsAsTheyArrive {
  eachRow(text: string, values: ReadonlyArray<unknown>, onColumns: OnColumns, onRow: (row: RowFields) => void): Promise<void>;
}

/** A row's fields, read from its bytes or, where the driver decoded them, from its strings. */
export interface RowFields {
  isNull(i: number): boolean;
  /** The field's text, as UTF-8. */
  text(i: number): string;
  /** The field's text, known to be ASCII (ids, ciphertexts): read without decoding UTF-8. */
  ascii(i: number): string;
  /** A bigint field's value. */
  integer(i: number): number;
  /** The field's bytes, valid only until the callback that was given them returns. */
  bytes(i: number): Uint8Array;
  /** The field's first byte (its first character, where it is ASCII). */
  firstByte(i: number): number;
  /** The field's length in bytes (in characters, where it is ASCII). */
  size(i: number): number;
  /**
   * The bytes the row is in, valid only until the callback that was given them returns; field
   * `i` is from `start(i)` to `end(i)` (both -1 for a null). For copying a field without a view.
   */
  readonly buffer: Buffer;
  start(i: number): number;
  end(i: number): number;
}

/** Where each field of a row is in the message: start and end, -1 for a null. */
export class RawFields implements RowFields {
  buffer: Buffer = Buffer.alloc(0);
  private at = new Int32Array(32);

  /** Reads a DataRow message's field positions from its body at `offset`. */
  read(bytes: Buffer, offset: number): void {
    this.buffer = bytes;
    const count = bytes.readInt16BE(offset);
    if (2 * count > this.at.length) this.at = new Int32Array(2 * count);
    let at = offset + 2;
    const positions = this.at;
    for (let i = 0; i < count; i++) {
      const length = bytes.readInt32BE(at);
      at += 4;
      positions[2 * i] = length < 0 ? -1 : at;
      positions[2 * i + 1] = length < 0 ? -1 : at + length;
      if (length > 0) at += length;
    }
  }

  isNull(i: number): boolean {
    return (this.at[2 * i] as number) < 0;
  }
  text(i: number): string {
    return this.buffer.toString("utf8", this.at[2 * i], this.at[2 * i + 1]);
  }
  ascii(i: number): string {
    return this.buffer.toString("latin1", this.at[2 * i], this.at[2 * i + 1]);
  }
  integer(i: number): number {
    const bytes = this.buffer;
    const end = this.at[2 * i + 1] as number;
    let at = this.at[2 * i] as number;
    const negative = bytes[at] === 0x2d;
    if (negative) at++;
    let value = 0;
    for (; at < end; at++) value = value * 10 + ((bytes[at] as number) - 0x30);
    return negative ? -value : value;
  }
  bytes(i: number): Uint8Array {
    return this.buffer.subarray(this.at[2 * i], this.at[2 * i + 1]);
  }
  firstByte(i: number): number {
    return this.buffer[this.at[2 * i] as number] ?? -1;
  }
  size(i: number): number {
    return (this.at[2 * i + 1] as number) - (this.at[2 * i] as number);
  }
  start(i: number): number {
    return this.at[2 * i] as number;
  }
  end(i: number): number {
    return this.at[2 * i + 1] as number;
  }

  /**
   * Reads the strings the driver decoded (a client not of this pool) as the DataRow body they
   * came from, so that they are read the same way.
   */
  readStrings(fields: ReadonlyArray<string | null>): void {
    let size = 2;
    for (const field of fields) size += 4 + (field === null ? 0 : Buffer.byteLength(field, "utf8"));
    const body = Buffer.allocUnsafe(size);
    body.writeInt16BE(fields.length, 0);
    let at = 2;
    for (const field of fields) {
      if (field === null) {
        body.writeInt32BE(-1, at);
        at += 4;
      } else {
        const length = body.write(field, at + 4, "utf8");
        body.writeInt32BE(length, at);
        at += 4 + length;
      }
    }
    this.read(body, 0);
  }
}

const RAW = Symbol("usher.rawRows");
const UNDESCRIBED = Symbol("usher.undescribed");
/** Set on a pipelined client's connection, which runs `RawRowsQuery`s only (pipelined-reads.ts). */
const ALL_RAW = Symbol("usher.allRaw");
type Flagged = { [RAW]?: boolean; [UNDESCRIBED]?: boolean; [ALL_RAW]?: boolean };

/**
 * Rows read as bytes or as strings, and statements run without asking for their columns, for
 * observation (tests, and a check that the pool is this one).
 */
export interface RawRowStats {
  raw: number;
  text: number;
  undescribed: number;
}

interface Columns {
  names: readonly string[];
  types: readonly number[];
}

/**
 * The result columns of named statements, as PostgreSQL described them at their first run on
 * any connection. A name stands for one text, whose columns are fixed (a statement whose result
 * changes under it is refused by PostgreSQL and named anew), so later runs need not ask again.
 */
export class DescribedColumns {
  private readonly byName = new Map<string, Columns>();

  get(name: string): Columns | undefined {
    return this.byName.get(name);
  }

  set(name: string, columns: Columns): void {
    if (this.byName.size >= 256) this.byName.clear();
    this.byName.set(name, columns);
  }
}

/**
 * A query whose rows go to `onRow` one by one, as they arrive, together with the column names
 * and type OIDs (given once, before the first row). Its rows are not kept: the query answers no rows.
 */
export class RawRowsQuery extends pg.Query {
  private readonly raw: RawFields;
  private failure: unknown;

  constructor(
    private readonly config: { text: string; values: unknown[]; name?: string },
    private readonly onColumns: OnColumns,
    private readonly onRow: (row: RowFields) => void,
    private readonly stats: RawRowStats,
    private readonly described?: DescribedColumns,
  ) {
    // The text and values rather than the config: the driver copies a config object through its
    // property descriptors, a noticeable part of sending a list page's statement.
    super(config.text, config.values);
    if (config.name !== undefined) (this as { name?: string }).name = config.name;
    this.raw = new RawFields();
    // The driver declares `submit` a property; it answers an error the client reports.
    const submit = pg.Query.prototype.submit as unknown as (this: pg.Query, connection: pg.Connection) => Error | null;
    this.submit = ((connection: pg.Connection) => {
      const flagged = connection as Flagged;
      flagged[RAW] = true;
      const known = config.name === undefined ? undefined : described?.get(config.name);
      // Only a connection of this pool leaves the Describe out when told (`RawRowsClient`).
      if (known === undefined || flagged[UNDESCRIBED] === undefined) return submit.call(this, connection);
      // The columns are known: PostgreSQL is not asked for them again (no RowDescription).
      this.stats.undescribed += 1;
      this.onColumns(known.names, known.types);
      flagged[UNDESCRIBED] = true;
      try {
        return submit.call(this, connection);
      } finally {
        flagged[UNDESCRIBED] = false;
      }
    }) as pg.Query["submit"];
  }

  handleRowDescription(message: { fields: Array<{ name: string; dataTypeID: number }> }): void {
    const columns = { names: message.fields.map((field) => field.name), types: message.fields.map((field) => field.dataTypeID) };
    if (this.config.name !== undefined) this.described?.set(this.config.name, columns);
    this.onColumns(columns.names, columns.types);
  }

  handleDataRow(message: { fields?: Array<string | null>; raw?: Buffer; offset?: number }): void {
    if (this.failure !== undefined) return;
    try {
      if (message.raw !== undefined) {
        this.stats.raw += 1;
        this.raw.read(message.raw, message.offset ?? 0);
      } else {
        this.stats.text += 1;
        this.raw.readStrings(message.fields ?? []);
      }
      this.onRow(this.raw);
    } catch (error) {
      // As the driver does with a row it cannot read: the query fails once PostgreSQL is done.
      this.failure = error;
    }
  }

  handleError(error: Error, connection: pg.Connection): void {
    (connection as Flagged)[RAW] = false;
    const base = pg.Query.prototype as unknown as { handleError(error: Error, connection: pg.Connection): void };
    base.handleError.call(this, (this.failure as Error | undefined) ?? error, connection);
  }

  handleReadyForQuery(connection: pg.Connection): void {
    (connection as Flagged)[RAW] = false;
    const base = pg.Query.prototype as unknown as {
      handleError(error: unknown, connection: pg.Connection): void;
      handleReadyForQuery(connection: pg.Connection): void;
    };
    if (this.failure !== undefined) base.handleError.call(this, this.failure, connection);
    else base.handleReadyForQuery.call(this, connection);
  }
}

/**
 * The driver's message parser (not part of its documented API; see `RawRowsClient`), resolved
 * from pg itself, so that it is the very copy, and version, that pg parses with.
 */
const fromPg = createRequire(createRequire(import.meta.url).resolve("pg"));
const { Parser } = fromPg("pg-protocol/dist/parser") as {
  Parser: new () => { parse(buffer: Buffer, callback: (message: unknown) => void): void };
};

const DATA_ROW = 0x44;

/**
 * A pg client whose connection hands the rows of a `RawRowsQuery` over as the socket's bytes.
 * It replaces the connection's listener with the same one over a parser that, while such a
 * query runs on the connection, leaves DataRow messages undecoded. Should the driver change
 * the internals this relies on, its rows come as strings again (`RawRowStats.text`), read the
 * same way.
 */
export class RawRowsClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const connection = (this as unknown as { connection: pg.Connection & Flagged & ListenedConnection }).connection;
    // Pipelined, a query's rows may arrive while the next one has already been sent, so the
    // flag a query sets and clears cannot tell whose rows they are: such a client runs
    // `RawRowsQuery`s only, and every row it reads is left undecoded.
    if (typeof config === "object" && config.pipeline === true) connection[ALL_RAW] = true;
    // A prepared statement's Describe is left out while `UNDESCRIBED` says so (RawRowsQuery).
    const describe = (connection as unknown as { describe?: unknown }).describe;
    if (typeof describe === "function") {
      connection[UNDESCRIBED] = false;
      (connection as unknown as { describe: (...args: unknown[]) => unknown }).describe = function (this: unknown, ...args: unknown[]) {
        return connection[UNDESCRIBED] === true ? undefined : describe.apply(this, args);
      };
    }
    if (typeof connection.attachListeners !== "function") return;
    connection.attachListeners = (stream: NodeJS.ReadableStream) => {
      const parser = new Parser() as unknown as ParserInternals;
      const decode = parser.handlePacket;
      if (typeof decode !== "function") return defaultListen(connection, stream);
      parser.handlePacket = (offset, code, length, bytes) =>
        code === DATA_ROW && (connection[RAW] === true || connection[ALL_RAW] === true)
          ? { name: "dataRow", length, raw: bytes, offset }
          : decode.call(parser, offset, code, length, bytes);
      stream.on("data", (buffer: Buffer) => parser.parse(buffer, (message) => emit(connection, message as { name: string })));
    };
  }
}

interface ParserInternals {
  parse(buffer: Buffer, callback: (message: unknown) => void): void;
  handlePacket: (offset: number, code: number, length: number, bytes: Buffer) => unknown;
}

interface ListenedConnection {
  attachListeners(stream: NodeJS.ReadableStream): void;
  _emitMessage?: boolean;
  emit(event: string, ...args: unknown[]): boolean;
}

/** What the driver's connection does with each message. */
function emit(connection: ListenedConnection, message: { name: string }): void {
  if (connection._emitMessage) connection.emit("message", message);
  connection.emit(message.name === "error" ? "errorMessage" : message.name, message);
}

function defaultListen(connection: ListenedConnection, stream: NodeJS.ReadableStream): void {
  const parser = new Parser();
  stream.on("data", (buffer: Buffer) => parser.parse(buffer, (message) => emit(connection, message as { name: string })));
}
