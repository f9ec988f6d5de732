import type { RowFields } from "../db/raw-rows.js";
import type { InvitationStatus } from "../db/schema.js";
import type { DocumentHead } from "./document-head.js";
import { type Ascii, ascii, type PageBytes } from "./page-bytes.js";

/**
 * A list row: the database's part of its document, as the text the database wrote (SQLite) or
 * as the fields it is written from (PostgreSQL, ADR 0029), and the columns Node reads.
 */
export interface DocumentRow {
  document?: string;
  /** Writes the database's part from `fields`, which are valid while the row is being written. */
  head?: DocumentHead;
  fields?: RowFields;
  [column: string]: unknown;
}

/**
 * Node's part of a list document (ADR 0011): its fields in order, each a JSON key (quoted) and
 * what to write, a time column's name, `status` or `acceptUrl`. Plain data, so that a list
 * thread (ADR 0014) is handed it without the query builder that writes the database's part.
 */
export type TailFields = ReadonlyArray<readonly [key: string, what: string]>;

interface Step {
  what: string;
  /** `,"key":` and `,"key":null`, and both without the comma for a document's first field. */
  key: Ascii;
  empty: Ascii;
  firstKey: Ascii;
  firstEmpty: Ascii;
}

/** Printable ASCII but `"` and `\`, which JSON writes as it is between quotes: a link always is. */
export const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const QUOTE = 0x22;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const STATUS = new Map<string, Ascii>(
  ["pending", "accepted", "declined", "revoked", "expired"].map((status) => [status, ascii(`"${status}"`)]),
);

export class DocumentTail {
  private readonly steps: Step[];

  constructor(readonly fields: TailFields) {
    this.steps = fields.map(([key, what]) => ({
      what,
      key: ascii(`,${key}:`),
      empty: ascii(`,${key}:null`),
      firstKey: ascii(`${key}:`),
      firstEmpty: ascii(`${key}:null`),
    }));
  }

  /**
   * Writes the whole document: the database's object with Node's fields added at its end. The
   * accept link is `link` followed by `linkToken` (URL-safe), or null; a link prepared as
   * `Ascii` is one JSON writes as it is.
   */
  write(out: PageBytes, row: DocumentRow, status: InvitationStatus, link: Ascii | string | null, linkToken?: string): void {
    const { document } = row;
    // An object with no field from the database is `{}`: no comma before Node's first.
    let first = false;
    if (document === undefined) {
      out.byte(OPEN);
      const head = row.head as DocumentHead;
      head.write(out, row.fields as RowFields);
      first = head.empty;
    } else if (document.length === 2) {
      out.byte(OPEN);
      first = true;
    } else {
      out.text(document);
      out.drop(1);
    }
    for (const step of this.steps) {
      const { what } = step;
      const key = first ? step.firstKey : step.key;
      const empty = first ? step.firstEmpty : step.empty;
      first = false;
      if (what === "status") {
        out.ascii(key);
        const known = STATUS.get(status);
        if (known) out.ascii(known);
        else out.text(JSON.stringify(status));
      } else if (what === "acceptUrl") {
        if (link === null) out.ascii(empty);
        else if (typeof link !== "string") {
          out.ascii(key);
          out.byte(QUOTE);
          out.ascii(link);
          if (linkToken !== undefined) out.asciiText(linkToken);
          out.byte(QUOTE);
        } else {
          out.ascii(key);
          if (JSON_SAFE.test(link)) {
            out.byte(QUOTE);
            out.text(link);
            if (linkToken !== undefined) out.text(linkToken);
            out.byte(QUOTE);
          } else out.text(JSON.stringify(linkToken === undefined ? link : link + linkToken));
        }
      } else {
        const ms = row[what];
        if (typeof ms === "number") {
          out.ascii(key);
          out.time(ms);
        } else out.ascii(empty);
      }
    }
    out.byte(CLOSE);
  }
}
