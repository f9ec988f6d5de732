import { type QueryExecutorProvider, type RawBuilder, sql } from "kysely";
import type { DatabaseKind } from "../db/database.js";
import type { InvitationRow } from "../db/schema.js";
import { DocumentHead, type HeadField } from "./document-head.js";
import { DocumentTail } from "./document-tail.js";

type Column = keyof InvitationRow & string;

/**
 * One field of an invitation's JSON on a list page (ADR 0011). The database writes a column as
 * stored, a column holding JSON text as JSON and objects that are `null` while `presentWhen`
 * is (on PostgreSQL, Node writes them the same way from the row's bytes: ADR 0029); Node adds
 * the times (epoch milliseconds as ISO 8601, which SQLite's `strftime` makes slowly), the
 * effective status (it depends on the request's clock) and the accept link (it decrypts the
 * token).
 */
export type DocumentField =
  | { kind: "column"; column: Column }
  | { kind: "json"; column: Column }
  | { kind: "object"; presentWhen: Column; fields: DatabaseFields }
  | { kind: "time"; column: Column }
  | { kind: "status" }
  | { kind: "acceptUrl" };

type DatabaseField = Extract<DocumentField, { kind: "column" | "json" | "object" }>;
type DatabaseFields = Readonly<Record<string, DatabaseField>>;

export const field = {
  column: (column: Column) => ({ kind: "column", column }) as const,
  json: (column: Column) => ({ kind: "json", column }) as const,
  object: (presentWhen: Column, fields: DatabaseFields) => ({ kind: "object", presentWhen, fields }) as const,
  time: (column: Column) => ({ kind: "time", column }) as const,
  status: () => ({ kind: "status" }) as const,
  acceptUrl: () => ({ kind: "acceptUrl" }) as const,
};

/** A document layout split once into the part the database writes and the part Node adds. */
export class InvitationDocument {
  private readonly database: Array<[string, DatabaseField]> = [];
  /** Node's fields in order, each a JSON key (quoted) and what to write. */
  private readonly node: Array<[string, Column | "status" | "acceptUrl"]> = [];
  /** Node's part, which finishes each document. */
  readonly tail: DocumentTail;
  private readonly sqlOf = new Map<DatabaseKind, RawBuilder<string>>();
  /** The time columns Node reads to finish a document. */
  readonly timeColumns: readonly Column[];
  /** The columns the database's part is written from, for a statement that reads them plainly. */
  readonly headColumns: readonly Column[];
  private readonly heads = new Map<string, DocumentHead>();
  private readonly headsOf = new WeakMap<readonly string[], DocumentHead>();

  constructor(spec: Readonly<Record<string, DocumentField>>) {
    for (const [key, f] of Object.entries(spec)) {
      if (f.kind === "time") this.node.push([JSON.stringify(key), f.column]);
      else if (f.kind === "status" || f.kind === "acceptUrl") this.node.push([JSON.stringify(key), f.kind]);
      else this.database.push([key, f]);
    }
    this.timeColumns = this.node.flatMap(([, what]) => (what === "status" || what === "acceptUrl" ? [] : [what]));
    this.tail = new DocumentTail(this.node);
    const columns = new Set<Column>();
    const collect = (fields: ReadonlyArray<[string, DatabaseField]>) => {
      for (const [, f] of fields) {
        if (f.kind === "object") {
          columns.add(f.presentWhen);
          collect(Object.entries(f.fields));
        } else columns.add(f.column);
      }
    };
    collect(this.database);
    this.headColumns = [...columns];
  }

  /**
   * The database's part as Node writes it from a statement's row (ADR 0029): `names` and
   * `types` are the statement's columns and their PostgreSQL type OIDs. Made once for each.
   */
  head(names: readonly string[], types: readonly number[]): DocumentHead {
    // A named statement's columns come as the same arrays every time (`DescribedColumns`).
    let head = this.headsOf.get(names);
    if (head !== undefined) return head;
    const key = `${names.join(",")}|${types.join(",")}`;
    head = this.heads.get(key);
    if (head === undefined) {
      head = new DocumentHead(headFields(this.database), names, types);
      if (this.heads.size >= 100) this.heads.clear();
      this.heads.set(key, head);
    }
    this.headsOf.set(names, head);
    return head;
  }

  /**
   * The database's part as one text column: `json_object` on SQLite, `to_json` of a row on
   * PostgreSQL (where Node writes it from the columns instead when it reads the rows as they
   * arrive, ADR 0029). It depends on nothing but the engine, so it is built once for each.
   */
  sql(kind: DatabaseKind, db: QueryExecutorProvider): RawBuilder<string> {
    let built = this.sqlOf.get(kind);
    if (!built) {
      const tree =
        kind === "postgres" ? sql<string>`${objectSql(kind, this.database)}::text` : sql<string>`${objectSql(kind, this.database)}`;
      // Kept as its text: it has no parameters (keys are literals, columns identifiers), so a
      // list query does not walk its tree of some forty nodes at every compile.
      const compiled = tree.compile(db);
      built = compiled.parameters.length === 0 ? sql.raw<string>(compiled.sql) : tree;
      this.sqlOf.set(kind, built);
    }
    return built;
  }
}

function headFields(fields: ReadonlyArray<[string, DatabaseField]>): Array<[string, HeadField]> {
  return fields.map(([key, f]) => [key, f.kind === "object" ? { ...f, fields: headFields(Object.entries(f.fields)) } : f]);
}

function objectSql(kind: DatabaseKind, fields: ReadonlyArray<[string, DatabaseField]>): RawBuilder<unknown> {
  const value = (f: DatabaseField): RawBuilder<unknown> => {
    switch (f.kind) {
      case "column":
        return sql.ref(f.column);
      case "json":
        return kind === "postgres" ? sql`nullif(${sql.ref(f.column)}, '')::json` : sql`json(nullif(${sql.ref(f.column)}, ''))`;
      case "object":
        return sql`case when ${sql.ref(f.presentWhen)} is null then null else ${objectSql(kind, Object.entries(f.fields))} end`;
    }
  };
  if (kind === "sqlite") return sql`json_object(${sql.join(fields.flatMap(([key, f]) => [sql.lit(key), value(f)]))})`;
  // `to_json` of a row writes compact JSON, as Node does (`json_build_object` puts spaces
  // around every colon).
  return sql`(select to_json(d) from (select ${sql.join(fields.map(([key, f]) => sql`${value(f)} as ${sql.id(key)}`))}) as d)`;
}
