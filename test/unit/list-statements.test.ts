import SQLite from "better-sqlite3";
import fc from "fast-check";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../src/core/pagination.js";
import type { DatabaseKind, Db } from "../../src/db/database.js";
import type { InvitationStatus } from "../../src/db/schema.js";
import { invitationDocument } from "../../src/http/native/schemas.js";
import { countInvitationsQuery, invitationDocumentsQuery } from "../../src/invitations/invitation-queries.js";
import { hasOnePlan, ListStatements, type ListValues } from "../../src/invitations/list-statements.js";

/** Compiles only: PostgreSQL's compiler with a driver that never connects, SQLite's in memory. */
const sqlite = new SQLite(":memory:");
const engines: Array<[DatabaseKind, Db]> = [
  ["sqlite", new Kysely({ dialect: new SqliteDialect({ database: sqlite }) })],
  [
    "postgres",
    new Kysely({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    }),
  ],
];
afterAll(() => sqlite.close());

const STATUSES: InvitationStatus[] = ["pending", "accepted", "declined", "revoked", "expired"];
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const values: fc.Arbitrary<ListValues> = fc.record(
  {
    tenantId: text,
    organizationId: text,
    email: text,
    inviterUserId: text,
    statuses: fc.subarray(STATUSES).chain((s) => fc.shuffledSubarray(s, { minLength: s.length })),
    now: fc.integer({ min: 0, max: 2 ** 45 }),
    limit: fc.integer({ min: 1, max: 201 }),
    after: fc.record({ createdAt: fc.integer({ min: 0, max: 2 ** 45 }), id: fc.stringMatching(/^[a-z]{1,4}_[A-Za-z0-9]{1,20}$/) }),
  },
  { requiredKeys: ["tenantId", "now", "limit"] },
);

/** A list page's statements, compiled once per shape and filled per request (ADR 0019). */
describe("list statements", () => {
  for (const [[kind, db], headBy] of engines.flatMap((engine) => (["database", "node"] as const).map((by) => [engine, by] as const))) {
    it(`are, on ${kind} with documents by ${headBy}, exactly what Kysely compiles for the same request, whatever its values and shape`, () => {
      const statements = new ListStatements(db, kind, invitationDocument, headBy);
      fc.assert(
        fc.property(values, (v) => {
          const filter = {
            organizationId: v.organizationId,
            email: v.email,
            inviterUserId: v.inviterUserId,
            statuses: v.statuses && [...v.statuses],
          };
          const cursor = v.after ? encodeCursor(v.after.createdAt, v.after.id) : undefined;
          const rows = invitationDocumentsQuery(
            db,
            kind,
            v.tenantId,
            filter,
            { limit: v.limit, cursor, limitInText: hasOnePlan(kind, v) },
            invitationDocument,
            headBy,
            v.now,
          ).compile();
          const count = countInvitationsQuery(db, v.tenantId, filter, v.now).compile();
          expect(statements.rows(v)).toEqual({ sql: rows.sql, parameters: rows.parameters, onePlan: hasOnePlan(kind, v) });
          expect(statements.count(v)).toEqual({ sql: count.sql, parameters: count.parameters });
        }),
        { numRuns: 2000 },
      );
    });
  }

  it("compiles a shape once and fills in the values of each request", () => {
    const [kind, db] = engines[0] as [DatabaseKind, Db];
    const statements = new ListStatements(db, kind, invitationDocument, "database");
    const first = statements.rows({ tenantId: "ten_a", organizationId: "org_a", now: 1, limit: 51 });
    const second = statements.rows({ tenantId: "ten_b", organizationId: "org_b", now: 2, limit: 11 });
    expect(second.sql).toBe(first.sql);
    expect(first.parameters).toEqual(["ten_a", "org_a", 51]);
    expect(second.parameters).toEqual(["ten_b", "org_b", 11]);
  });

  it("keep one plan on PostgreSQL only for an organization's pages with no other filter, their limit in the text (ADR 0033)", () => {
    const [, db] = engines[1] as [DatabaseKind, Db];
    const statements = new ListStatements(db, "postgres", invitationDocument, "node");
    const after = { createdAt: 5, id: "inv_a" };
    const page = statements.rows({ tenantId: "ten_a", organizationId: "org_a", now: 1, limit: 51, after });
    expect(page.onePlan).toBe(true);
    expect(page.sql).toMatch(/ limit 51$/);
    expect(page.parameters).toEqual(["ten_a", "org_a", 5, "inv_a"]);
    const shorter = statements.rows({ tenantId: "ten_a", organizationId: "org_a", now: 1, limit: 11, after });
    expect(shorter.sql).toMatch(/ limit 11$/);
    for (const other of [
      { organizationId: "org_a", statuses: ["pending"] as InvitationStatus[] },
      { organizationId: "org_a", email: "a@example.com" },
      { organizationId: "org_a", inviterUserId: "usr_a" },
      {},
    ]) {
      const rows = statements.rows({ tenantId: "ten_a", now: 1, limit: 51, ...other });
      expect(rows.onePlan, JSON.stringify(other)).toBe(false);
      expect(rows.sql).toMatch(/ limit \$\d+$/);
    }
    const [kind, sqliteDb] = engines[0] as [DatabaseKind, Db];
    expect(
      new ListStatements(sqliteDb, kind, invitationDocument, "database").rows({ tenantId: "t", organizationId: "o", now: 1, limit: 5 })
        .onePlan,
    ).toBe(false);
  });
});
