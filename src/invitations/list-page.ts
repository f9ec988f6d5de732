import type { SecretBox } from "../core/crypto.js";
import { encodeCursor } from "../core/pagination.js";
import type { RowFields } from "../db/raw-rows.js";
import { type DocumentTail, JSON_SAFE } from "./document-tail.js";
import { acceptLinkPrefix, buildAcceptLink, effectiveStatus } from "./invitation.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";
import { type Ascii, ascii, type PageBytes } from "./page-bytes.js";

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
 * Writes the whole JSON body of a list page, `{data, nextCursor, total?}`, into `out` from
 * `limit + 1` rows given one by one (one more than the page tells whether another follows), as
 * they come (ADR 0027). Entries are JSON already (ADR 0011), so they are joined here rather
 * than serialized by a response schema, and written as bytes (ADR 0026). Nothing here builds
 * a query, so a list thread loads no query builder.
 */
export class ListPageWriter {
  private count = 0;
  private cursor: string | undefined;
  /** Where the token cipher and the id are in a row's fields, for rows read from them (`columns`). */
  private tokenColumn = -1;
  private idColumn = -1;

  constructor(
    private readonly out: PageBytes,
    private readonly tail: DocumentTail,
    private readonly box: SecretBox,
    private readonly view: ListPageView,
  ) {
    out.ascii(DATA);
  }

  /**
   * Told the statement's columns, when rows come with their fields and without the values of
   * `fieldRowValues` (PostgreSQL): the token cipher and the id are then read from the fields.
   */
  columns(columns: readonly string[]): void {
    this.tokenColumn = columns.indexOf("token_cipher");
    this.idColumn = columns.indexOf("id");
  }

  row(row: InvitationDocumentRow): void {
    const { out, view } = this;
    const index = this.count++;
    if (index >= view.limit) return;
    const status = effectiveStatus(row, view.now);
    // The link is written as its prefix and its token where it is one followed by the other.
    let link: Ascii | string | null = null;
    let linkToken: string | undefined;
    if (status === "pending") {
      const token = this.tokenOf(row);
      const base = row.accept_url ?? view.defaultAcceptBase;
      const prefix = acceptLinkPrefix(base, token);
      if (prefix !== null) {
        link = prefixBytes(prefix);
        linkToken = token;
      } else link = buildAcceptLink(base, token);
    }
    if (index > 0) out.byte(COMMA);
    this.tail.write(out, row, status, link, linkToken);
    if (index === view.limit - 1) this.cursor = encodeCursor(row.created_at, this.idOf(row));
  }

  private tokenOf(row: InvitationDocumentRow): string {
    const column = this.tokenColumn;
    if (column < 0) return this.box.decryptCached(row.token_cipher as string);
    const fields = row.fields as RowFields;
    return this.box.decryptCachedBytes(fields.buffer, fields.start(column), fields.end(column));
  }

  private idOf(row: InvitationDocumentRow): string {
    return this.idColumn < 0 ? (row.id as string) : (row.fields as RowFields).ascii(this.idColumn);
  }

  end(total: number | undefined): void {
    const { out } = this;
    out.ascii(NEXT);
    if (this.count > this.view.limit && this.cursor !== undefined) out.text(JSON.stringify(this.cursor));
    else out.ascii(NONE);
    if (total !== undefined) {
      out.ascii(TOTAL);
      out.text(String(total));
    }
    out.byte(CLOSE);
  }
}

const prefixes = new Map<string, Ascii | string>();

/** A link prefix as bytes prepared once, when JSON writes it as it is (as the text, else). */
function prefixBytes(prefix: string): Ascii | string {
  let bytes = prefixes.get(prefix);
  if (bytes === undefined) {
    bytes = JSON_SAFE.test(prefix) ? ascii(prefix) : prefix;
    if (prefixes.size >= 1_000) prefixes.clear();
    prefixes.set(prefix, bytes);
  }
  return bytes;
}

/** A list page from all its rows at once (SQLite, on the event loop or a list thread). */
export function writeListPage(
  out: PageBytes,
  rows: readonly InvitationDocumentRow[],
  total: number | undefined,
  tail: DocumentTail,
  box: SecretBox,
  view: ListPageView,
): void {
  const page = new ListPageWriter(out, tail, box, view);
  for (const row of rows) page.row(row);
  page.end(total);
}
