import { type RawBuilder, type SqlBool, sql } from "kysely";
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
