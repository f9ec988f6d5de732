import type { SecretBox } from "../core/crypto.js";
import { encodeCursor } from "../core/pagination.js";
import type { DocumentTail } from "./document-tail.js";
import { buildAcceptLink, effectiveStatus } from "./invitation.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";
import { ascii, type PageBytes } from "./page-bytes.js";

/** What a list page depends on besides its rows: its length, the clock reading, the link base. */
export interface ListPageView {
  limit: number;
  now: number;
  defaultAcceptBase: string;
}

/** A statement as a list thread runs it (ADR 0014): its text and parameters, plain data. */
export interface PlainQuery {
  sql: string;
  parameters: readonly unknown[];
}

/** A list page for a list thread: its compiled queries and its view. */
export interface ListPageJob {
  rows: PlainQuery;
  /** `{n}`, when the page tells the total. */
  count?: PlainQuery;
  view: ListPageView;
}

const DATA = ascii('{"data":[');
const NEXT = ascii('],"nextCursor":');
const NONE = ascii("null");
const TOTAL = ascii(',"total":');
const COMMA = 0x2c;
const CLOSE = 0x7d;

/**
 * Writes the whole JSON body of a list page, `{data, nextCursor, total?}`, from `limit + 1`
 * rows (one more than the page tells whether another follows), into `out`. Entries are JSON
 * already (ADR 0011), so they are joined here rather than serialized by a response schema, and
 * written as bytes (ADR 0026). Nothing here builds a query, so a list thread loads no query
 * builder.
 */
export function writeListPage(
  out: PageBytes,
  rows: readonly InvitationDocumentRow[],
  total: number | undefined,
  tail: DocumentTail,
  box: SecretBox,
  view: ListPageView,
): void {
  const { limit, now } = view;
  const count = Math.min(rows.length, limit);
  out.bytes(DATA);
  for (let i = 0; i < count; i++) {
    const row = rows[i] as InvitationDocumentRow;
    const status = effectiveStatus(row, now);
    const token = status === "pending" ? box.decryptCached(row.token_cipher) : undefined;
    const acceptUrl = token === undefined ? null : buildAcceptLink(row.accept_url ?? view.defaultAcceptBase, token);
    if (i > 0) out.byte(COMMA);
    tail.write(out, row, { status, acceptUrl });
  }
  out.bytes(NEXT);
  const last = count > 0 ? rows[count - 1] : undefined;
  if (rows.length > limit && last) out.text(JSON.stringify(encodeCursor(last.created_at, last.id)));
  else out.bytes(NONE);
  if (total !== undefined) {
    out.bytes(TOTAL);
    out.text(String(total));
  }
  out.byte(CLOSE);
}
