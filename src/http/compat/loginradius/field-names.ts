import { validationError } from "../../../core/errors.js";

/**
 * LoginRadius matches parameter and field names without regard to letter case: `email`,
 * `Email` and `EMAIL` are one field, as are the query parameters `apikey` and `apiKey`.
 */

/**
 * Renames the known fields of a JSON object to their canonical spelling and drops the others,
 * as LoginRadius's binder ignores fields it does not know (ADR 0020). A field given twice in
 * different cases is refused. Anything but an object is returned as it is, for the schema to
 * refuse.
 */
export function canonicalizeBody(body: unknown, fields: readonly string[]): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const known = new Map(fields.map((field) => [field.toLowerCase(), field]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const field = known.get(key.toLowerCase());
    if (field === undefined) continue;
    if (Object.hasOwn(out, field)) throw validationError(`/${field}`, "is given more than once");
    out[field] = value;
  }
  return out;
}

/** The query with lower-cased names; a name repeated in any case becomes a list (and is refused). */
export function lowerCaseQuery(query: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  if (typeof query !== "object" || query === null) return out;
  for (const [key, value] of Object.entries(query)) {
    const name = key.toLowerCase();
    const previous = out[name];
    out[name] = previous === undefined ? value : [previous, value].flat();
  }
  return out;
}
