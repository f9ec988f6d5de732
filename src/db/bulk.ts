import { CompiledQuery } from "kysely";
import type { DatabaseKind, Db } from "./database.js";

/**
 * Inserts for the write paths that run thousands of times a second, as plain SQL text built
 * once per shape: the query builder's cost per statement is larger than the insert's own on
 * SQLite. PostgreSQL gets one multi-row statement per chunk (one round trip); SQLite, where a
 * statement costs no round trip, runs one prepared single-row statement per row.
 */
export interface InsertSpec {
  table: string;
  columns: readonly string[];
  /** Appended after the values, e.g. `on conflict do nothing returning "id"`. */
  tail?: string;
}

const texts = new Map<string, string>();
const ROWS_PER_STATEMENT = { postgres: 500, sqlite: 1 } as const;

export async function insertRows<R = Record<string, unknown>>(
  db: Db,
  kind: DatabaseKind,
  spec: InsertSpec,
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<R[]> {
  const out: R[] = [];
  const perStatement = ROWS_PER_STATEMENT[kind];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const result = await db.executeQuery<R>(CompiledQuery.raw(insertText(kind, spec, chunk.length), chunk.flat()));
    for (const row of result.rows) out.push(row);
  }
  return out;
}

function insertText(kind: DatabaseKind, spec: InsertSpec, rowCount: number): string {
  const key = `${kind}\u0000${spec.table}\u0000${spec.columns.join(",")}\u0000${spec.tail ?? ""}\u0000${rowCount}`;
  let text = texts.get(key);
  if (text === undefined) {
    const width = spec.columns.length;
    const tuples = Array.from({ length: rowCount }, (_, r) => `(${placeholders(kind, width, r * width + 1)})`);
    const columns = spec.columns.map((c) => `"${c}"`).join(", ");
    text = `insert into "${spec.table}" (${columns}) values ${tuples.join(", ")}${spec.tail ? ` ${spec.tail}` : ""}`;
    if (texts.size > 2_000) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/** `?, ?, ?` or `$4, $5, $6`: placeholders for an IN list starting at parameter `first` (1-based). */
export function placeholders(kind: DatabaseKind, count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => (kind === "postgres" ? `$${first + i}` : "?")).join(", ");
}
