import { CompiledQuery } from "kysely";
import type { DatabaseKind, Db } from "./database.js";
import { rowBuilder } from "./rows.js";

/**
 * Inserts for the write paths that run thousands of times a second, as plain SQL text built
 * once per shape: the query builder's cost per statement is larger than the insert's own on
 * SQLite. PostgreSQL gets one statement for all the rows, whatever their number: the rows are
 * one JSON parameter that `json_populate_recordset` reads with the table's own column types, so
 * the text never changes and runs as a prepared statement (postgres-pool.ts), where a
 * multi-row `VALUES` list was a new text, parsed and planned anew, for every row count.
 * SQLite, where a statement costs no round trip, runs one prepared single-row statement per row.
 */
export interface InsertSpec {
  table: string;
  columns: readonly string[];
  /** Appended after the values, e.g. `on conflict do nothing returning "id"`. */
  tail?: string;
}

interface Shape {
  text: string;
  /** PostgreSQL: the object of one row, keyed by column name. */
  record: (values: unknown[]) => unknown;
}

const shapes = new Map<string, Shape>();

export async function insertRows<R = Record<string, unknown>>(
  db: Db,
  kind: DatabaseKind,
  spec: InsertSpec,
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<R[]> {
  if (rows.length === 0) return [];
  const shape = shapeOf(kind, spec);
  if (kind === "postgres") {
    const records = JSON.stringify(rows.map((values) => shape.record(values as unknown[])));
    return (await db.executeQuery<R>(CompiledQuery.raw(shape.text, [records]))).rows;
  }
  const out: R[] = [];
  for (const values of rows) {
    const result = await db.executeQuery<R>(CompiledQuery.raw(shape.text, values as unknown[]));
    for (const row of result.rows) out.push(row);
  }
  return out;
}

function shapeOf(kind: DatabaseKind, spec: InsertSpec): Shape {
  const key = `${kind}\u0000${spec.table}\u0000${spec.columns.join(",")}\u0000${spec.tail ?? ""}`;
  let shape = shapes.get(key);
  if (shape === undefined) {
    const columns = spec.columns.map((c) => `"${c}"`).join(", ");
    const source =
      kind === "postgres"
        ? `select ${columns} from json_populate_recordset(null::"${spec.table}", $1::json)`
        : `values (${placeholders(kind, spec.columns.length)})`;
    const text = `insert into "${spec.table}" (${columns}) ${source}${spec.tail ? ` ${spec.tail}` : ""}`;
    shape = { text, record: rowBuilder(spec.columns) };
    shapes.set(key, shape);
  }
  return shape;
}

/** `?, ?, ?` or `$4, $5, $6`: placeholders for an IN list starting at parameter `first` (1-based). */
export function placeholders(kind: DatabaseKind, count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => (kind === "postgres" ? `$${first + i}` : "?")).join(", ");
}
