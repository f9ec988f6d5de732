import type { RowFields } from "../db/raw-rows.js";
import { type Ascii, ascii, type PageBytes } from "./page-bytes.js";

/**
 * The database's part of a list document, written by Node from the row's fields as PostgreSQL
 * sent them (ADR 0029), where the database would have written it with `to_json`: the same
 * keys in the same order, the same values, escaped the same way.
 */

/** A field of the database's part, as the layout declares it (`InvitationDocument`). */
export type HeadField =
  | { kind: "column"; column: string }
  | { kind: "json"; column: string }
  | { kind: "object"; presentWhen: string; fields: ReadonlyArray<readonly [string, HeadField]> };

/** PostgreSQL's type OIDs of the columns a head writes: text as JSON strings, integers as numbers. */
const TEXT_TYPES = new Set([25, 1043]); // text, varchar
const INTEGER_TYPES = new Set([20, 21, 23]); // int8, int2, int4

/** What a step writes after its key (every step has the same shape, so that reading one is fast). */
const STRING = 0; // the field as a JSON string
const VERBATIM = 1; // the field as it is (a number)
const JSON_TEXT = 2; // the field's JSON text as it is, null when empty
const OPEN = 3; // `{`, or `null` with the next `skip` steps left out when the field is null
const CLOSE = 4; // `}`, no key

interface Step {
  op: number;
  key: Ascii;
  /** The key followed by `null`. */
  empty: Ascii;
  /** The field's index among the statement's columns. */
  at: number;
  skip: number;
}

const NULL = ascii("null");
const NO_KEY = ascii("");

export class DocumentHead {
  private readonly steps: Step[] = [];

  /**
   * The head of `fields` over a statement's columns: `names` and their PostgreSQL `types`. A
   * column the layout needs that the statement lacks, or of a type it does not write, is a
   * programming error, found by the first page.
   */
  constructor(fields: ReadonlyArray<readonly [string, HeadField]>, names: readonly string[], types: readonly number[]) {
    const at = (column: string): number => {
      const index = names.indexOf(column);
      if (index < 0) throw new Error(`a list statement lacks the column ${column}`);
      return index;
    };
    const compile = (object: ReadonlyArray<readonly [string, HeadField]>) => {
      object.forEach(([name, f], i) => {
        const text = `${i === 0 ? "" : ","}${JSON.stringify(name)}:`;
        const key = ascii(text);
        const empty = ascii(`${text}null`);
        if (f.kind === "object") {
          const open: Step = { op: OPEN, key, empty, at: at(f.presentWhen), skip: 0 };
          this.steps.push(open);
          const first = this.steps.length;
          compile(f.fields);
          this.steps.push({ op: CLOSE, key: NO_KEY, empty: NO_KEY, at: -1, skip: 0 });
          open.skip = this.steps.length - first;
          return;
        }
        const index = at(f.column);
        if (f.kind === "json") {
          this.steps.push({ op: JSON_TEXT, key, empty, at: index, skip: 0 });
          return;
        }
        const type = types[index] as number;
        if (TEXT_TYPES.has(type)) this.steps.push({ op: STRING, key, empty, at: index, skip: 0 });
        else if (INTEGER_TYPES.has(type)) this.steps.push({ op: VERBATIM, key, empty, at: index, skip: 0 });
        else throw new Error(`a list document cannot write ${column(f)} of PostgreSQL type ${type}`);
      });
    };
    compile(fields);
  }

  /** Whether the head has no field: the document then starts with Node's fields. */
  get empty(): boolean {
    return this.steps.length === 0;
  }

  /** Writes the fields, without the object's braces. */
  write(out: PageBytes, row: RowFields): void {
    const { steps } = this;
    const source = row.buffer;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s] as Step;
      const op = step.op;
      if (op === CLOSE) {
        out.byte(0x7d);
        continue;
      }
      const start = row.start(step.at);
      if (start < 0) {
        out.ascii(step.empty);
        s += step.skip;
        continue;
      }
      out.ascii(step.key);
      switch (op) {
        case OPEN:
          out.byte(0x7b);
          break;
        case STRING:
          out.jsonString(source, start, row.end(step.at));
          break;
        case VERBATIM:
          out.copy(source, start, row.end(step.at));
          break;
        case JSON_TEXT: {
          const end = row.end(step.at);
          // An empty text is how a JSON column holds nothing (`nullif(column, '')` before).
          if (end === start) out.ascii(NULL);
          else out.copy(source, start, end);
          break;
        }
      }
    }
  }
}

function column(f: HeadField): string {
  return f.kind === "object" ? f.presentWhen : f.column;
}
