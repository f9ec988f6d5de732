import { CompiledQuery } from "kysely";
import type { DatabaseKind, Db } from "./database.js";
import { rowBuilder } from "./rows.js";

/**
 * Inserts for the write paths that run thousands of times a second, as plain SQL text built
 * once per shape: the query builder's cost per statement is larger than the insert's own.
 *
 * On SQLite rows go in `VALUES` lists of 1, 2, 4, … 64 rows, each length one prepared
 * statement: there is no round trip to save, but every statement passes through the query
 * executor, the driver and SQLite's statement set-up, which cost more than a row's values.
 * Timed in one process (40 single creates at a time, a group's five inserts per create), lists
 * took 9–18% less CPU per create than a statement per row.
 *
 * On PostgreSQL every text is to stay the same whatever the number of rows, so that it runs
 * as a prepared statement (ADR 0004); a multi-row `VALUES` list of each length was a new text,
 * parsed and planned at every run. Rows are one JSON parameter read by
 * `json_populate_recordset` with the table's own column types: one statement for any number
 * of rows. Rows of long text (`longText`) go as one array parameter per column, read by
 * `unnest` with the given types: PostgreSQL lexes JSON character by character, twice, which
 * for a captured message (3–4 kB of HTML) cost twice the insert itself, and an array once.
 * Timed against `VALUES` lists of 1, 2, 4, … rows (groups of 25 captured messages), arrays
 * cost PostgreSQL 5–20 µs more a row and Node 3–20 µs less, in one statement instead of three.
 *
 * Inside `combineInserts` (PostgreSQL), inserts that return nothing are held and sent at the
 * end as one statement (ADR 0015).
 */
export interface InsertSpec {
  table: string;
  columns: readonly string[];
  /** Appended after the values, e.g. `on conflict do nothing returning "id"`. */
  tail?: string;
  /**
   * Rows of several kilobytes of text: PostgreSQL's type of each column, whose values it is
   * sent as one array each.
   */
  longText?: { types: readonly string[] };
}

/** The inserts held for each transaction inside `combineInserts`. */
const held = new WeakMap<Db, CompiledQuery[]>();

/**
 * Runs `run`, holding every insert without a `tail` that it makes through `db`, and sends them
 * at its end as one statement: `with s0 as (insert …), s1 as (insert …) select 1` (ADR 0015).
 * The statement is atomic as a whole and fails the transaction as any of its inserts would;
 * nothing else `run` sends may read or refer to the rows held. On SQLite there is no round
 * trip to save, and `run` runs as it is.
 */
export async function combineInserts<T>(db: Db, kind: DatabaseKind, run: () => Promise<T>): Promise<T> {
  if (kind !== "postgres" || held.has(db)) return run();
  const queries: CompiledQuery[] = [];
  held.set(db, queries);
  let result: T;
  try {
    result = await run();
  } finally {
    held.delete(db);
  }
  const [only] = queries;
  if (queries.length === 1 && only) await db.executeQuery(only);
  else if (queries.length > 1) await db.executeQuery(combined(queries));
  return result;
}

/** One statement of several, each as a data-modifying `with` query, its parameters renumbered. */
function combined(queries: readonly CompiledQuery[]): CompiledQuery {
  const parts: string[] = [];
  const parameters: unknown[] = [];
  for (const [i, query] of queries.entries()) {
    const before = parameters.length;
    // The texts are this module's: no `$` but their placeholders.
    parts.push(`s${i} as (${query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + before}`)})`);
    for (const value of query.parameters) parameters.push(value);
  }
  return CompiledQuery.raw(`with ${parts.join(", ")} select 1`, parameters);
}

const texts = new Map<string, string>();
const records = new Map<string, (values: unknown[]) => unknown>();
const MOST_ROWS_PER_LIST = 64;

export async function insertRows<R = Record<string, unknown>>(
  db: Db,
  kind: DatabaseKind,
  spec: InsertSpec,
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<R[]> {
  if (rows.length === 0) return [];
  if (kind === "postgres") {
    const query = spec.longText
      ? CompiledQuery.raw(
          textOf(kind, spec, "arrays"),
          spec.columns.map((_, c) => rows.map((row) => row[c] ?? null)),
        )
      : CompiledQuery.raw(textOf(kind, spec, "json"), [JSON.stringify(rows.map((values) => recordOf(spec)(values as unknown[])))]);
    const later = spec.tail === undefined ? held.get(db) : undefined;
    if (later) {
      later.push(query);
      return [];
    }
    return (await db.executeQuery<R>(query)).rows;
  }
  const out: R[] = [];
  for (let i = 0; i < rows.length; ) {
    const count = listLength(rows.length - i);
    const parameters = valuesOf(rows, i, count);
    i += count;
    const result = await db.executeQuery<R>(CompiledQuery.raw(textOf(kind, spec, count), parameters));
    for (const row of result.rows) out.push(row);
  }
  return out;
}

/**
 * The values of `count` rows from `first`, one after the other. A loop: `Array.prototype.flat`
 * took about 150 µs for 64 rows of 20 values here, twenty times as long; in a
 * profile of single creates on SQLite this function went from 5.6% of the time to 0.9%.
 */
function valuesOf(rows: ReadonlyArray<readonly unknown[]>, first: number, count: number): unknown[] {
  const values: unknown[] = [];
  for (let r = first; r < first + count; r++) {
    const row = rows[r] ?? [];
    for (let c = 0; c < row.length; c++) values.push(row[c]);
  }
  return values;
}

/** The largest power of two up to `left` and the most rows per list. */
function listLength(left: number): number {
  let count = 1;
  while (count * 2 <= Math.min(left, MOST_ROWS_PER_LIST)) count *= 2;
  return count;
}

function textOf(kind: DatabaseKind, spec: InsertSpec, rows: number | "json" | "arrays"): string {
  const key = `${kind}\u0000${spec.table}\u0000${spec.columns.join(",")}\u0000${spec.tail ?? ""}\u0000${rows}`;
  let text = texts.get(key);
  if (text === undefined) {
    const columns = spec.columns.map((c) => `"${c}"`).join(", ");
    const width = spec.columns.length;
    const source =
      rows === "json"
        ? `select ${columns} from json_populate_recordset(null::"${spec.table}", $1::json)`
        : rows === "arrays"
          ? `select * from unnest(${(spec.longText?.types ?? []).map((type, i) => `$${i + 1}::${type}[]`).join(", ")})`
          : `values ${Array.from({ length: rows }, (_, r) => `(${placeholders(kind, width, r * width + 1)})`).join(", ")}`;
    text = `insert into "${spec.table}" (${columns}) ${source}${spec.tail ? ` ${spec.tail}` : ""}`;
    texts.set(key, text);
  }
  return text;
}

function recordOf(spec: InsertSpec): (values: unknown[]) => unknown {
  const key = spec.columns.join(",");
  let record = records.get(key);
  if (record === undefined) {
    record = rowBuilder(spec.columns);
    records.set(key, record);
  }
  return record;
}

/** `?, ?, ?` or `$4, $5, $6`: the placeholders of one row, starting at parameter `first` (1-based). */
function placeholders(kind: DatabaseKind, count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => (kind === "postgres" ? `$${first + i}` : "?")).join(", ");
}
