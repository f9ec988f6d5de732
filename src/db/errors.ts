/** True when the database refused a write because of a unique index, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * The table a write referred to without finding the row (PostgreSQL's foreign-key check), as in
 * a membership inserted while its user is deleted: the row was there when the request checked.
 */
export function missingReference(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== "23503" || typeof detail !== "string") return undefined;
  return /is not present in table "([a-z_]+)"/.exec(detail)?.[1];
}
