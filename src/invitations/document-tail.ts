import { isoTime } from "../core/iso-time.js";
import type { InvitationStatus } from "../db/schema.js";

/** A list row: the database's part of its document and the columns Node reads. */
export type DocumentRow = { document: string } & Partial<Record<string, unknown>>;

/** What Node writes into every document besides its times. */
export interface DocumentExtras {
  status: InvitationStatus;
  acceptUrl: string | null;
}

/**
 * Node's part of a list document (ADR 0011): its fields in order, each a JSON key (quoted) and
 * what to write, a time column's name, `status` or `acceptUrl`. Plain data, so that a list
 * thread (ADR 0014) is handed it without the query builder that writes the database's part.
 */
export type TailFields = ReadonlyArray<readonly [key: string, what: string]>;

export class DocumentTail {
  constructor(readonly fields: TailFields) {}

  /** The whole document: the database's object with Node's fields added at its end. */
  finish(row: DocumentRow, extras: DocumentExtras): string {
    let tail = "";
    for (const [key, what] of this.fields) {
      if (what === "status") tail += `,${key}:"${extras.status}"`;
      else if (what === "acceptUrl") tail += `,${key}:${extras.acceptUrl === null ? "null" : JSON.stringify(extras.acceptUrl)}`;
      else {
        const ms = row[what];
        tail += typeof ms === "number" ? `,${key}:"${isoTime(ms)}"` : `,${key}:null`;
      }
    }
    const { document } = row;
    // An object with no field from the database is `{}`: no comma after its brace.
    return document.length === 2 ? `{${tail.slice(1)}}` : `${document.slice(0, -1)}${tail}}`;
  }
}
