import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { createUsher } from "../../src/container.js";
import { isDatabaseUnavailable } from "../../src/db/errors.js";
import { PipelinedReads } from "../../src/db/pipelined-reads.js";
import type { RowFields } from "../../src/db/raw-rows.js";
import { invitationDocument } from "../../src/http/native/schemas.js";
import { ListStatements } from "../../src/invitations/list-statements.js";
import {
  type Client,
  client,
  createPostgresDatabase,
  createTestContext,
  seedOrganization,
  TEST_DATABASE_URL,
  type TestContext,
  uniqueEmail,
} from "../helpers/harness.js";

/** Every row of `text`, each read by `each`. */
async function readAll<T>(reads: PipelinedReads, text: string, values: unknown[], each: (row: RowFields) => T): Promise<T[]> {
  const rows: T[] = [];
  await reads.eachRow(
    text,
    values,
    () => undefined,
    (row) => rows.push(each(row)),
  );
  return rows;
}

const first = (row: RowFields) => row.integer(0);

/** Statements sent down long-lived connections without waiting for the last answer (ADR 0033). */
describe.runIf(TEST_DATABASE_URL)("pipelined reads (postgres)", () => {
  let database: { url: string; drop(): Promise<void> };
  let reads: PipelinedReads;
  const dropped: Error[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase();
    reads = new PipelinedReads({ connection: { connectionString: database.url }, count: 1, onError: (error) => dropped.push(error) });
  });
  afterAll(async () => {
    await reads?.close();
    await database?.drop();
  });

  it("sends the next statements before the first is answered, on one connection", async () => {
    await readAll(reads, "select 1", [], first);
    const clock = "select (extract(epoch from clock_timestamp()) * 1000)::bigint as at, pg_backend_pid() as pid";
    const slow = readAll(reads, "select 1 from pg_sleep(0.2)", [], first);
    const sent = Array.from({ length: 4 }, () => readAll(reads, clock, [], (row) => ({ at: row.integer(0), pid: row.integer(1) })));
    await new Promise((resolve) => setImmediate(resolve));
    // The event loop is held past the slow statement's end: the next ones could not be sent
    // after its answer, so they ran in that time only if they were sent with it.
    const heldUntil = Date.now() + 600;
    while (Date.now() < heldUntil);
    expect(await slow).toEqual([1]);
    const answers = (await Promise.all(sent)).flat();
    expect(answers).toHaveLength(4);
    for (const { at } of answers) expect(at).toBeLessThan(heldUntil);
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(1);
    expect(reads.open).toBe(1);
  });

  it("fails a failing statement alone, and answers the ones sent before and after it", async () => {
    const results = await Promise.allSettled([
      readAll(reads, "select $1::int as n", [1], first),
      readAll(reads, "select 1 / $1::int as n", [0], first),
      readAll(reads, "select $1::int as n", [2], first),
    ]);
    expect(results[0]).toEqual({ status: "fulfilled", value: [1] });
    expect(results[1]).toMatchObject({ status: "rejected", reason: { code: "22012" } });
    expect(results[2]).toEqual({ status: "fulfilled", value: [2] });
  });

  it("prepares a statement again whose table changed under it", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query("create table changing (a bigint)");
      await admin.query("insert into changing values (7)");
      // Named from its third run (ADR 0004), then prepared on the connection.
      for (let i = 0; i < 4; i++) expect(await readAll(reads, "select * from changing", [], first)).toEqual([7]);
      await admin.query("alter table changing add column b text default 'x'");
      let columns: readonly string[] = [];
      const rows: string[] = [];
      await reads.eachRow(
        "select * from changing",
        [],
        (names) => {
          columns = names;
        },
        (row) => rows.push(row.text(1)),
      );
      expect(columns).toEqual(["a", "b"]);
      expect(rows).toEqual(["x"]);
    } finally {
      await admin.end();
    }
  });

  it("fails the statements in flight on a connection the server ends, and opens a new one for the next", async () => {
    const [pid] = await readAll(reads, "select pg_backend_pid()", [], first);
    const inFlight = Promise.allSettled([readAll(reads, "select 1 from pg_sleep(5)", [], first), readAll(reads, "select 2", [], first)]);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await admin.query("select pg_terminate_backend($1)", [pid]);
    await admin.end();
    for (const result of await inFlight) {
      expect(result.status).toBe("rejected");
      expect(isDatabaseUnavailable((result as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(dropped.length).toBeGreaterThan(0);
    expect(reads.open).toBe(0);
    const [next] = await readAll(reads, "select pg_backend_pid()", [], first);
    expect(next).not.toBe(pid);
    expect(reads.open).toBe(1);
  });

  it("cancels a statement past the statement timeout as the database being out of reach, and runs the next", async () => {
    const timed = new PipelinedReads({ connection: { connectionString: database.url, statement_timeout: 100 }, count: 1 });
    try {
      const [slow, next] = await Promise.allSettled([
        readAll(timed, "select 1 from pg_sleep(2)", [], first),
        readAll(timed, "select 2", [], first),
      ]);
      expect(slow).toMatchObject({ status: "rejected", reason: { code: "57014" } });
      expect(isDatabaseUnavailable((slow as PromiseRejectedResult).reason)).toBe(true);
      expect(next).toEqual({ status: "fulfilled", value: [2] });
      expect(timed.open).toBe(1);
    } finally {
      await timed.close();
    }
  });

  it("reads every row as bytes, never as the driver's strings", () => {
    expect(reads.rawStats.raw).toBeGreaterThan(10);
    expect(reads.rawStats.text).toBe(0);
  });

  it("fails a statement as the database being out of reach where no connection can be made, and after closing", async () => {
    const nowhere = new PipelinedReads({ connection: { connectionString: "postgres://postgres@127.0.0.1:1/none" }, count: 2 });
    const refused = await readAll(nowhere, "select 1", [], first).catch((error: unknown) => error);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(nowhere.open).toBe(0);
    await nowhere.close();
    const closed = await readAll(nowhere, "select 1", [], first).catch((error: unknown) => error);
    expect(isDatabaseUnavailable(closed)).toBe(true);
  });
});

/** An organization's list pages on the pipelined connections, with one plan kept (ADR 0033). */
describe.runIf(TEST_DATABASE_URL)("list pages on pipelined connections (postgres)", () => {
  let ctx: TestContext;
  let api: Client;
  const orgs: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
    api = client(ctx.app, ctx.adminKey);
    for (const name of ["One", "Two", "Three"]) {
      const { organizationId } = await seedOrganization(api, name);
      orgs.push(organizationId);
      const emails = Array.from({ length: 30 }, () => uniqueEmail(name.toLowerCase()));
      const res = await api.post("/v1/invitations/batch", { organizationId, emails, sendEmail: false });
      expect(res.status, res.text).toBe(201);
    }
  });
  afterAll(async () => ctx?.close());

  it("keep generic plans on their connections", async () => {
    const listReads = ctx.usher.database.listReads as PipelinedReads;
    const [mode] = await readAll(listReads, "show plan_cache_mode", [], (row) => row.text(0));
    expect(mode).toBe("force_generic_plan");
  });

  it("answer many pages at once as the pool does, each with its own rows", async () => {
    const pooled = await createUsher({ ...ctx.config, listConnections: 0 }, { log: pino({ level: "silent" }) });
    const pooledApp = await buildApp(pooled);
    await pooledApp.ready();
    try {
      expect(pooled.database.listReads).toBeUndefined();
      const viaPool = client(pooledApp, ctx.adminKey);
      // Each organization's first page and the cursor of its next, in several lengths.
      const queries: string[] = [];
      for (const organizationId of orgs) {
        for (const limit of [1, 7, 13]) {
          const page = await viaPool.get<{ nextCursor: string }>(`/v1/invitations?organizationId=${organizationId}&limit=${limit}`);
          queries.push(
            `organizationId=${organizationId}&limit=${limit}`,
            `organizationId=${organizationId}&limit=${limit}&cursor=${page.body.nextCursor}`,
          );
        }
      }
      const listReads = ctx.usher.database.listReads as PipelinedReads;
      const pool = ctx.usher.database.pool;
      const before = { pipelined: listReads.rawStats.raw, pooled: pool?.rawStats.raw ?? 0 };
      const rounds = [...queries, ...queries, ...queries, ...queries];
      const answers = await Promise.all(rounds.map((query) => api.get(`/v1/invitations?${query}`)));
      const expected = new Map<string, string>();
      for (const query of queries) expected.set(query, (await viaPool.get(`/v1/invitations?${query}`)).text);
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.text).toBe(expected.get(rounds[i] as string));
      });
      expect(listReads.rawStats.raw - before.pipelined).toBeGreaterThan(rounds.length);
      expect((pool?.rawStats.raw ?? 0) - before.pooled).toBe(0);
      // A page filtered by status has a plan of its own each time: it goes through the pool.
      const pending = await api.get(`/v1/invitations?organizationId=${orgs[0]}&status=pending&limit=5`);
      expect(pending.status).toBe(200);
      expect(pool?.rawStats.raw ?? 0).toBeGreaterThan(before.pooled);
    } finally {
      await pooledApp.close();
      await pooled.close();
    }
  });

  /**
   * The plan PostgreSQL keeps for an organization's page, made from the statistics alone, where
   * the table was analyzed while it held one large organization and a small one came after.
   */
  async function keptPlan(): Promise<{ indexes: string[]; rows: number }> {
    const { db } = ctx.usher;
    const tenant = ctx.tenantId;
    const statement = new ListStatements(db, "postgres", invitationDocument, "node").rows({
      tenantId: tenant,
      organizationId: "org_0mxsmall0000000002",
      now: Date.now(),
      limit: 51,
      after: { createdAt: Date.now(), id: "inv_zzzz" },
    });
    expect(statement.onePlan).toBe(true);
    const session = new pg.Client({ connectionString: ctx.config.databaseUrl, options: "-c plan_cache_mode=force_generic_plan" });
    await session.connect();
    try {
      await session.query({ name: "page", text: statement.sql, values: [...statement.parameters] });
      const literals = statement.parameters.map((value) =>
        typeof value === "number" ? String(value) : session.escapeLiteral(String(value)),
      );
      const explained = await session.query(`explain (format json) execute page(${literals.join(", ")})`);
      const indexes: string[] = [];
      let rows = 0;
      const walk = (node: Record<string, unknown>) => {
        if (typeof node["Index Name"] === "string") {
          indexes.push(node["Index Name"]);
          rows = Number(node["Plan Rows"]);
        }
        for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
      };
      walk((explained.rows[0]["QUERY PLAN"] as Array<{ Plan: Record<string, unknown> }>)[0]?.Plan ?? {});
      return { indexes, rows };
    } finally {
      await session.end();
    }
  }

  it("keep, for a small organization beside one large one, a plan that reads the organization's index", async () => {
    const admin = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await admin.connect();
    const insert = (prefix: string, organizationId: string, count: number) =>
      admin.query(
        `insert into invitations (id, tenant_id, organization_id, email, email_display, role_ids, status, expires_at, created_at, updated_at, token_hash, token_cipher)
         select 'inv_' || $2 || n, $1, $3, $2 || n || '@example.com', $2 || n || '@example.com', '[]', 'pending', 9e12, n, n, 'hash_' || $2 || n, 'v1.x.y.z'
         from generate_series(1, $4::int) as n`,
        [ctx.tenantId, prefix, organizationId, count],
      );
    /** The table analyzed while one large organization is all of it, then a small one added. */
    const staleStatistics = async () => {
      await admin.query("delete from invitations where organization_id <> 'org_0mxlarge0000000001'");
      await admin.query("analyze invitations");
      await insert("s", "org_0mxsmall0000000002", 3);
    };
    try {
      await admin.query(
        "insert into organizations (id, tenant_id, name, created_at, updated_at) values ('org_0mxlarge0000000001', $1, 'Large', 0, 0), ('org_0mxsmall0000000002', $1, 'Small', 0, 0)",
        [ctx.tenantId],
      );
      await insert("l", "org_0mxlarge0000000001", 20_000);

      // Without the migration's setting, such statistics make the kept plan take any
      // organization for the whole table (the tenant's rows after an unknown cursor, a third of
      // them): the tenant's index, filtered, then costs about as much as the organization's
      // own, and which one is kept turns on the indexes' sizes.
      await admin.query("alter table invitations alter column organization_id reset (n_distinct)");
      await staleStatistics();
      expect((await keptPlan()).rows).toBeGreaterThan(6_000);

      // With it, an organization is a thousand invitations (a third of them after the cursor).
      await admin.query("alter table invitations alter column organization_id set (n_distinct = -0.001)");
      await staleStatistics();
      const kept = await keptPlan();
      expect(kept.indexes).toEqual(["invitations_org_created"]);
      expect(kept.rows).toBeLessThan(400);
    } finally {
      await admin.query("alter table invitations alter column organization_id set (n_distinct = -0.001)");
      await admin.end();
    }
  });
});
