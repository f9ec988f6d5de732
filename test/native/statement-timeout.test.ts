import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { ADMIN_KEY, type Client, client, createTestContext, TEST_DATABASE_URL, type TestContext } from "../helpers/harness.js";

const STATEMENT_TIMEOUT_MS = 300;

/** ADR 0028: no statement runs for ever, and one cancelled answers as the database out of reach does. */
describe.skipIf(!TEST_DATABASE_URL)("a statement held past the statement timeout (postgres)", () => {
  let ctx: TestContext;
  let api: Client;
  let holder: pg.Client;
  let databaseUrl: string;

  beforeAll(async () => {
    ctx = await createTestContext("postgres", { database: { statementTimeoutMs: STATEMENT_TIMEOUT_MS } });
    api = client(ctx.app, ADMIN_KEY);
    databaseUrl = ctx.config.databaseUrl ?? "";
    holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await ctx?.close();
  });

  it("cancels a request's statement that waits on a lock, answers 503 with Retry-After, and serves once the lock is gone", async () => {
    expect(ctx.usher.database.kind).toBe("postgres");
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Locked" });
    expect(org.status).toBe(201);
    expect((await api.post("/v1/invitations", { organizationId: org.body.id, email: "before@example.com" })).status).toBe(201);

    // Another session (an operator's, say) holds the invitations table and does not let go.
    await holder.query("begin");
    await holder.query("lock table invitations in access exclusive mode");
    const started = performance.now();
    const [created, listed] = await Promise.all([
      api.post("/v1/invitations", { organizationId: org.body.id, email: "during@example.com" }),
      api.get(`/v1/invitations?organizationId=${org.body.id}`),
    ]);
    const waited = performance.now() - started;
    for (const answer of [created, listed]) {
      expect(answer.status).toBe(503);
      expect(answer.headers["retry-after"]).toBe("1");
      expect(answer.body).toMatchObject({ status: 503, code: "service_unavailable" });
      expect(answer.text).not.toMatch(/statement timeout|canceling/);
    }
    expect(waited).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
    expect(waited).toBeLessThan(5_000);
    await holder.query("rollback");

    expect((await api.post("/v1/invitations", { organizationId: org.body.id, email: "after@example.com" })).status).toBe(201);
    const page = await api.get<{ data: Array<{ email: string }> }>(`/v1/invitations?organizationId=${org.body.id}`);
    expect(page.body.data.map((i) => i.email).sort()).toEqual(["after@example.com", "before@example.com"]);
  });

  it("lets migrations wait for as long as they take, and gives serving its timeout back after", async () => {
    const handle = openDatabase({ databaseUrl, dataDir: "", poolSize: 1, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    try {
      // Nothing to apply, so a wait on the migrations' table stands in for a long migration.
      await holder.query("begin");
      await holder.query("lock table kysely_migration in access exclusive mode");
      const migrated = migrateToLatest(handle.db, "postgres");
      await new Promise((resolve) => setTimeout(resolve, 3 * STATEMENT_TIMEOUT_MS));
      await holder.query("rollback");
      expect(await migrated).toEqual([]);
      // The pool's one connection, the migrations' too, has the serving timeout again.
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(handle.db);
      expect(rows).toEqual([{ statement_timeout: `${STATEMENT_TIMEOUT_MS}ms` }]);
    } finally {
      await handle.close();
    }
  });
});
