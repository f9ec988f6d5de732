import { type RawBuilder, sql } from "kysely";
import { isoTime } from "../core/iso-time.js";
import type { DatabaseKind } from "../db/database.js";
import type { InvitationRow } from "../db/schema.js";

type Column = keyof InvitationRow & string;

/**
 * One field of an invitation's JSON on a list page (ADR 0011). The database writes a column as
 * stored, a column holding JSON text as JSON, the effective status (a pending invitation past
 * its expiry reads as `expired`) and objects that are `null` while `presentWhen` is; Node adds
 * times (epoch milliseconds as ISO 8601, which SQLite's `strftime` makes slowly) and the
 * accept link (it decrypts the token).
 */
export type DocumentField =
  | { kind: "column"; column: Column }
  | { kind: "json"; column: Column }
  | { kind: "status" }
  | { kind: "object"; presentWhen: Column; fields: DatabaseFields }
  | { kind: "time"; column: Column }
  | { kind: "acceptUrl" };

type DatabaseField = Extract<DocumentField, { kind: "column" | "json" | "status" | "object" }>;
type DatabaseFields = Readonly<Record<string, DatabaseField>>;

export const field = {
  column: (column: Column) => ({ kind: "column", column }) as const,
  json: (column: Column) => ({ kind: "json", column }) as const,
  status: () => ({ kind: "status" }) as const,
  object: (presentWhen: Column, fields: DatabaseFields) => ({ kind: "object", presentWhen, fields }) as const,
  time: (column: Column) => ({ kind: "time", column }) as const,
  acceptUrl: () => ({ kind: "acceptUrl" }) as const,
};

/** What a list row carries besides the database's document: the values Node writes. */
export type DocumentRow = { document: string } & Partial<Record<Column, unknown>>;

/** A document layout split once into the part the database writes and the part Node adds. */
export class InvitationDocument {
  private readonly database: Array<[string, DatabaseField]> = [];
  private readonly times: Array<[string, Column]> = [];
  private readonly acceptUrlKey: string | undefined;

  constructor(spec: Readonly<Record<string, DocumentField>>) {
    let acceptUrlKey: string | undefined;
    for (const [key, f] of Object.entries(spec)) {
      if (f.kind === "time") this.times.push([JSON.stringify(key), f.column]);
      else if (f.kind === "acceptUrl") acceptUrlKey = JSON.stringify(key);
      else this.database.push([key, f]);
    }
    this.acceptUrlKey = acceptUrlKey;
  }

  /** The columns Node reads to finish a document. */
  get nodeColumns(): Column[] {
    return this.times.map(([, column]) => column);
  }

  /** The database's part as one text column: `json_object` on SQLite, `json_build_object` on PostgreSQL. */
  sql(kind: DatabaseKind, now: number): RawBuilder<string> {
    const object = (fields: Iterable<[string, DatabaseField]>): RawBuilder<unknown> => {
      const entries = [...fields];
      if (kind === "sqlite") return sql`json_object(${sql.join(entries.flatMap(([key, f]) => [sql.lit(key), value(f)]))})`;
      // `to_json` of a row writes compact JSON, as Node does (`json_build_object` puts spaces
      // around every colon).
      const columns = entries.map(([key, f]) => sql`${value(f)} as ${sql.id(key)}`);
      return sql`(select to_json(d) from (select ${sql.join(columns)}) as d)`;
    };
    const value = (f: DatabaseField): RawBuilder<unknown> => {
      switch (f.kind) {
        case "column":
          return sql.ref(f.column);
        case "json":
          return kind === "postgres" ? sql`nullif(${sql.ref(f.column)}, '')::json` : sql`json(nullif(${sql.ref(f.column)}, ''))`;
        case "status":
          return statusSql(now);
        case "object":
          return sql`case when ${sql.ref(f.presentWhen)} is null then null else ${object(Object.entries(f.fields))} end`;
      }
    };
    return kind === "postgres" ? sql<string>`${object(this.database)}::text` : sql<string>`${object(this.database)}`;
  }

  /** The whole document: the database's object with Node's fields added at its end. */
  finish(row: DocumentRow, acceptUrl: string | null): string {
    let tail = "";
    for (const [key, column] of this.times) {
      const ms = row[column];
      tail += typeof ms === "number" ? `,${key}:"${isoTime(ms)}"` : `,${key}:null`;
    }
    if (this.acceptUrlKey !== undefined) tail += `,${this.acceptUrlKey}:${acceptUrl === null ? "null" : JSON.stringify(acceptUrl)}`;
    const { document } = row;
    // An object with no field from the database is `{}`: no comma after its brace.
    return document.length === 2 ? `{${tail.slice(1)}}` : `${document.slice(0, -1)}${tail}}`;
  }
}

/** The effective status, as `effectiveStatus` computes it. */
export function statusSql(now: number): RawBuilder<InvitationRow["status"]> {
  return sql`case when status = 'pending' and expires_at <= ${now} then 'expired' else status end`;
}
