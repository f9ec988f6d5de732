import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import { decodeCursor } from "../core/pagination.js";
import type { DatabaseKind } from "./database.js";

/**
 * `column in (values)` written so that PostgreSQL sees one text whatever the number of values
 * (`= any($1)`, an array parameter), which then runs as a prepared statement (ADR 0004); an
 * `in` list is a new text for every length. SQLite, which prepares statements in the process,
 * keeps the plain list.
 */
export function oneOf(kind: DatabaseKind, column: string, values: readonly unknown[]): RawBuilder<SqlBool> {
  if (kind === "postgres") return sql<SqlBool>`${sql.ref(column)} = any(${[...values]})`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}

const CREATED_AT = sql.ref("created_at");
const ID = sql.ref("id");

/**
 * Newest first, after the keyset `cursor` when one is given, at most `limit` rows. The cursor is
 * a row-value comparison, `(created_at, id) < (…)`, so that both engines read the index range
 * (an `or` here scans). The limit is a parameter, unless `limitInText`: a generic plan cannot
 * know a parameter's limit and reckons on a tenth of the rows (ADR 0004, ADR 0033).
 */
export function newestFirst<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  cursor: string | undefined,
  limit: number,
  limitInText = false,
): SelectQueryBuilder<DB, TB, O> {
  const after = decodeCursor(cursor);
  const ordered = after ? query.where(sql<SqlBool>`(${CREATED_AT}, ${ID}) < (${after.createdAt}, ${after.id})`) : query;
  const newest = ordered.orderBy(CREATED_AT, "desc").orderBy(ID, "desc");
  if (!limitInText) return newest.limit(limit);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`not a row limit: ${limit}`);
  return newest.limit(sql.lit(limit));
}
