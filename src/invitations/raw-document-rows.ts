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

/**
 * A list row (`InvitationDocumentRow`) from its fields as PostgreSQL sent them (ADR 0027): the
 * document stays the UTF-8 it arrived in, and only the columns Node reads become values.
 */
export function documentRowReader(columns: readonly string[]): (fields: RowFields) => InvitationDocumentRow {
  const read = columns.map(readerOf);
  return (fields) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i] as string] = (read[i] as Reader)(fields, i);
    return row as InvitationDocumentRow;
  };
}
