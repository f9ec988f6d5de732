import { type CursorPosition, encodeCursor } from "../core/pagination.js";
import type { DatabaseKind, Db } from "../db/database.js";
import type { InvitationStatus } from "../db/schema.js";
import type { InvitationDocument } from "./invitation-documents.js";
import { countInvitationsQuery, type DocumentHeadBy, type InvitationFilter, invitationDocumentsQuery } from "./invitation-queries.js";
import type { PlainQuery } from "./list-page.js";

/** What a list page's statements take from its request. */
export interface ListValues {
  tenantId: string;
  organizationId?: string;
  /** Normalized. */
  email?: string;
  inviterUserId?: string;
  statuses?: readonly InvitationStatus[];
  now: number;
  /** Rows to read: the page's length and one more. */
  limit: number;
  after?: CursorPosition;
}

type Slot = "tenantId" | "organizationId" | "email" | "inviterUserId" | "now" | "limit" | "afterCreatedAt" | "afterId";

/**
 * A value Kysely is given in place of each of the request's, to find where that value goes
 * among the compiled statement's parameters. No request can send these: the strings start with
 * a NUL, the numbers are negative, and a marked statement is compiled but never run.
 */
const MARKS: Readonly<Record<Slot, string | number>> = {
  tenantId: "\u0000tenant",
  organizationId: "\u0000organization",
  email: "\u0000email",
  inviterUserId: "\u0000inviter",
  now: -7_301_000_001,
  limit: -7_301_000_002,
  afterCreatedAt: -7_301_000_003,
  afterId: "cursor_0mark0",
};
const SLOT_OF = new Map<unknown, Slot>(Object.entries(MARKS).map(([slot, mark]) => [mark, slot as Slot]));

/**
 * A list page's rows statement. `onePlan`: the statement lists one organization's invitations,
 * newest first, with no other filter, on PostgreSQL, and its limit is in its text; the plan
 * PostgreSQL makes for it without its values (the organization's index) is the right one for
 * every organization, so it can be kept rather than made at every page (ADR 0033).
 */
export interface RowsStatement extends PlainQuery {
  onePlan: boolean;
}

/** Whether a request's rows statement is one that keeps one plan (see `RowsStatement`). */
export function hasOnePlan(kind: DatabaseKind, values: ListValues): boolean {
  return (
    kind === "postgres" &&
    values.organizationId !== undefined &&
    values.email === undefined &&
    values.inviterUserId === undefined &&
    values.statuses === undefined
  );
}

/** A compiled statement's text and, for each parameter, the request's value it takes or a constant. */
interface Template {
  sql: string;
  parameters: ReadonlyArray<{ slot: Slot } | { constant: unknown }>;
}

/**
 * A list page's statements, compiled once for each shape of request (ADR 0019): which filters
 * it has, its statuses, whether it has a cursor. Building and compiling a query with Kysely
 * made some hundred short-lived objects per page, which lived as long as the page (a list
 * thread holds a page for the whole queue) and were the most of what the event loop's full
 * collections found dead. A page now only fills in its values.
 */
export class ListStatements {
  private readonly templates = new Map<string, Template>();

  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly layout: InvitationDocument,
    private readonly headBy: DocumentHeadBy,
  ) {}

  /** The page's rows, newest first: `limit` of them after `after`. */
  rows(values: ListValues): RowsStatement {
    const onePlan = hasOnePlan(this.kind, values);
    // A statement with its limit in its text is a shape for each limit.
    const key = `rows${shape(values)}${values.after ? "|after" : ""}${onePlan ? `|${values.limit}` : ""}`;
    return { ...fill(this.template("rows", key, values, onePlan), values), onePlan };
  }

  /** The number of invitations the filter matches, as one row `{n}`. */
  count(values: ListValues): PlainQuery {
    return fill(this.template("count", `count${shape(values)}`, values), values);
  }

  private template(statement: "rows" | "count", key: string, values: ListValues, limitInText = false): Template {
    let template = this.templates.get(key);
    if (template === undefined) {
      template = toTemplate(this.compile(statement, marked(values, limitInText), limitInText));
      // Shapes are few (filters present or not, a handful of statuses), but a caller choosing
      // status lists could make many: the cache stays bounded whatever it is sent.
      if (this.templates.size >= 256) this.templates.clear();
      this.templates.set(key, template);
    }
    return template;
  }

  private compile(statement: "rows" | "count", marked: MarkedValues, limitInText: boolean): PlainQuery {
    if (statement === "count") return countInvitationsQuery(this.db, marked.tenantId, marked, marked.now).compile();
    const cursor = marked.after ? encodeCursor(marked.after.createdAt, marked.after.id) : undefined;
    return invitationDocumentsQuery(
      this.db,
      this.kind,
      marked.tenantId,
      marked,
      { limit: marked.limit, cursor, limitInText },
      this.layout,
      this.headBy,
      marked.now,
    ).compile();
  }
}

type MarkedValues = InvitationFilter & { tenantId: string; now: number; limit: number; after?: CursorPosition };

/** The request's shape: which filters it has and which statuses, in its order. */
function shape(values: ListValues): string {
  return `|${values.organizationId === undefined ? "" : "o"}${values.email === undefined ? "" : "e"}${values.inviterUserId === undefined ? "" : "i"}|${values.statuses === undefined ? "-" : values.statuses.join(",")}`;
}

/** The values of a request of this shape, each replaced by its mark (the limit too, unless it goes in the text). */
function marked(values: ListValues, limitInText: boolean): MarkedValues {
  return {
    tenantId: MARKS.tenantId as string,
    organizationId: values.organizationId === undefined ? undefined : (MARKS.organizationId as string),
    email: values.email === undefined ? undefined : (MARKS.email as string),
    inviterUserId: values.inviterUserId === undefined ? undefined : (MARKS.inviterUserId as string),
    statuses: values.statuses === undefined ? undefined : [...values.statuses],
    now: MARKS.now as number,
    limit: limitInText ? values.limit : (MARKS.limit as number),
    after: values.after ? { createdAt: MARKS.afterCreatedAt as number, id: MARKS.afterId as string } : undefined,
  };
}

function toTemplate(compiled: PlainQuery): Template {
  // A mark written into the text rather than passed as a parameter would be a bug here.
  if (compiled.sql.includes("\u0000") || compiled.sql.includes(String(MARKS.afterId))) {
    throw new Error("a list statement holds a value in its text");
  }
  return {
    sql: compiled.sql,
    parameters: compiled.parameters.map((parameter) => {
      const slot = SLOT_OF.get(parameter);
      return slot === undefined ? { constant: parameter } : { slot };
    }),
  };
}

function fill(template: Template, values: ListValues): PlainQuery {
  const parameters: unknown[] = new Array(template.parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const parameter = template.parameters[i] as Template["parameters"][number];
    parameters[i] = "constant" in parameter ? parameter.constant : slotValue(values, parameter.slot);
  }
  return { sql: template.sql, parameters };
}

function slotValue(values: ListValues, slot: Slot): unknown {
  switch (slot) {
    case "afterCreatedAt":
      return values.after?.createdAt;
    case "afterId":
      return values.after?.id;
    default:
      return values[slot];
  }
}
