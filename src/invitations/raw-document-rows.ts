import type { RowFields } from "../db/raw-rows.js";
import type { InvitationStatus } from "../db/schema.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";

type Reader = (fields: RowFields, i: number) => unknown;

/** The statuses by first letter and length, which tell them apart. */
const STATUSES = new Map<number, InvitationStatus>(
  (["pending", "accepted", "declined", "revoked", "expired"] as const).map((status) => [status.charCodeAt(0) * 64 + status.length, status]),
);

const readers: Record<"document" | "time" | "status" | "ascii" | "text", Reader> = {
  // Valid while the row is being written: the page copies it at once.
  document: (fields, i) => fields.bytes(i),
  time: (fields, i) => (fields.isNull(i) ? null : fields.integer(i)),
  status: (fields, i) => STATUSES.get(fields.firstByte(i) * 64 + fields.size(i)) ?? fields.text(i),
  ascii: (fields, i) => (fields.isNull(i) ? null : fields.ascii(i)),
  text: (fields, i) => (fields.isNull(i) ? null : fields.text(i)),
};

/** How each column of a list row is read: timestamps as numbers, ids and ciphertexts as ASCII. */
function readerOf(column: string): Reader {
  if (column === "document") return readers.document;
  if (column === "status") return readers.status;
  if (column.endsWith("_at")) return readers.time;
  if (column === "id" || column === "token_cipher") return readers.ascii;
  return readers.text;
}

type RowReader = (fields: RowFields) => InvitationDocumentRow;

const rowReaders = new Map<string, RowReader>();

/**
 * A list row (`InvitationDocumentRow`) from its fields as PostgreSQL sent them (ADR 0027): the
 * document stays the UTF-8 it arrived in, and only the columns Node reads become values. Made
 * once per column list, as one object literal, so that a row is one allocation.
 */
export function documentRowReader(columns: readonly string[]): RowReader {
  const key = columns.join("\u0000");
  let reader = rowReaders.get(key);
  if (reader === undefined) {
    const read = columns.map(readerOf);
    // The names are the statement's own column names, quoted as JSON string literals.
    const fields = columns.map((column, i) => `${JSON.stringify(column)}: read[${i}](fields, ${i})`).join(", ");
    reader = new Function("read", `return (fields) => ({ ${fields} });`)(read) as RowReader;
    if (rowReaders.size >= 100) rowReaders.clear();
    rowReaders.set(key, reader);
  }
  return reader;
}
