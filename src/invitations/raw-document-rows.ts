import type { RowFields } from "../db/raw-rows.js";
import type { InvitationStatus } from "../db/schema.js";
import type { DocumentHead } from "./document-head.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";

type Reader = (fields: RowFields, i: number) => unknown;

/** The statuses by first letter and length, which tell them apart. */
const STATUSES = new Map<number, InvitationStatus>(
  (["pending", "accepted", "declined", "revoked", "expired"] as const).map((status) => [status.charCodeAt(0) * 64 + status.length, status]),
);

const readers: Record<"time" | "status" | "ascii" | "text", Reader> = {
  time: (fields, i) => (fields.isNull(i) ? null : fields.integer(i)),
  status: (fields, i) => STATUSES.get(fields.firstByte(i) * 64 + fields.size(i)) ?? fields.text(i),
  ascii: (fields, i) => (fields.isNull(i) ? null : fields.ascii(i)),
  text: (fields, i) => (fields.isNull(i) ? null : fields.text(i)),
};

/** How each column of a list row is read: timestamps as numbers, ids and ciphertexts as ASCII. */
function readerOf(column: string): Reader {
  if (column === "status") return readers.status;
  if (column.endsWith("_at")) return readers.time;
  if (column === "id" || column === "token_cipher") return readers.ascii;
  return readers.text;
}

type RowReader = (fields: RowFields, head: DocumentHead) => InvitationDocumentRow;

const readerOfColumns = new WeakMap<readonly string[], { values: ReadonlySet<string>; reader: RowReader }>();

/** Readers by the columns Node reads as values, then by the statement's columns. */
const rowReaders = new WeakMap<ReadonlySet<string>, Map<string, RowReader>>();

/**
 * A list row (`InvitationDocumentRow`) from its fields as PostgreSQL sent them (ADR 0027): the
 * `values` columns become values, and the database's part of the document is left to `head`,
 * which writes it from the fields while the row is being written (ADR 0029). Made once per
 * column list, as one object literal, so that a row is one allocation.
 */
export function documentRowReader(columns: readonly string[], values: ReadonlySet<string>): RowReader {
  // A named statement's columns come as the same array every time (`DescribedColumns`).
  const known = readerOfColumns.get(columns);
  if (known?.values === values) return known.reader;
  let readers = rowReaders.get(values);
  if (readers === undefined) {
    readers = new Map();
    rowReaders.set(values, readers);
  }
  const key = columns.join("\u0000");
  let reader = readers.get(key);
  if (reader === undefined) {
    const read = columns.map(readerOf);
    // The names are the statement's own column names, quoted as JSON string literals.
    const fields = columns.flatMap((column, i) => (values.has(column) ? [`${JSON.stringify(column)}: read[${i}](fields, ${i})`] : []));
    reader = new Function("read", `return (fields, head) => ({ ${[...fields, "head", "fields"].join(", ")} });`)(read) as RowReader;
    if (readers.size >= 100) readers.clear();
    readers.set(key, reader);
  }
  readerOfColumns.set(columns, { values, reader });
  return reader;
}
