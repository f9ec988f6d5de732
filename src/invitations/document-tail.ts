import type { InvitationStatus } from "../db/schema.js";
import { ascii, type PageBytes } from "./page-bytes.js";

/**
 * A list row: the database's part of its document, as text or as the UTF-8 it arrived in
 * (PostgreSQL, ADR 0027), and the columns Node reads.
 */
export type DocumentRow = { document: string | Uint8Array } & Partial<Record<string, unknown>>;

/**
 * Node's part of a list document (ADR 0011): its fields in order, each a JSON key (quoted) and
 * what to write, a time column's name, `status` or `acceptUrl`. Plain data, so that a list
 * thread (ADR 0014) is handed it without the query builder that writes the database's part.
 */
export type TailFields = ReadonlyArray<readonly [key: string, what: string]>;

interface Step {
  what: string;
  /** `,"key":` */
  key: Uint8Array;
  /** `,"key":null` */
  empty: Uint8Array;
}

/** Printable ASCII but `"` and `\`, which JSON writes as it is between quotes: a link always is. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const QUOTE = 0x22;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const STATUS = new Map<string, Uint8Array>(
  ["pending", "accepted", "declined", "revoked", "expired"].map((status) => [status, ascii(`"${status}"`)]),
);

export class DocumentTail {
  private readonly steps: Step[];

  constructor(readonly fields: TailFields) {
    this.steps = fields.map(([key, what]) => ({ what, key: ascii(`,${key}:`), empty: ascii(`,${key}:null`) }));
  }

  /**
   * Writes the whole document: the database's object with Node's fields added at its end. The
   * accept link is `link` followed by `linkToken` (URL-safe), or null.
   */
  write(out: PageBytes, row: DocumentRow, status: InvitationStatus, link: string | null, linkToken?: string): void {
    const { document } = row;
    // An object with no field from the database is `{}`: no comma after its brace.
    let skip = 0;
    if (document.length === 2) {
      out.byte(OPEN);
      skip = 1;
    } else {
      if (typeof document === "string") out.text(document);
      else out.bytes(document);
      out.drop(1);
    }
    for (const step of this.steps) {
      const { what } = step;
      if (what === "status") {
        out.bytes(step.key, skip);
        const known = STATUS.get(status);
        if (known) out.bytes(known);
        else out.text(JSON.stringify(status));
      } else if (what === "acceptUrl") {
        if (link === null) out.bytes(step.empty, skip);
        else {
          out.bytes(step.key, skip);
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
          out.bytes(step.key, skip);
          out.time(ms);
        } else out.bytes(step.empty, skip);
      }
      skip = 0;
    }
    out.byte(CLOSE);
  }
}
