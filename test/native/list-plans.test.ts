import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invitationDocument } from "../../src/http/native/schemas.js";
import { ListStatements } from "../../src/invitations/list-statements.js";
import { ADMIN_KEY, type Client, client, createTestContext, TEST_DATABASE_URL, type TestContext } from "../helpers/harness.js";

/**
 * A list page's statement, prepared once per connection, is planned once too: PostgreSQL
 * chooses its generic plan after five executions, rather than planning it anew at every page,
 * which took more than a third of its CPU a page (the limit is in the text, `newestFirst`).
 * A page after a cursor is still planned at each page: the generic plan reckons on a third of
 * the rows before an unknown cursor, and costs more than the plans for the cursor's value.
 */
describe.skipIf(!TEST_DATABASE_URL)("list statements' plans (postgres)", () => {
  let ctx: TestContext;
  let api: Client;
  let session: pg.Client;

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
    api = client(ctx.app, ADMIN_KEY);
    session = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await session.connect();
  });

  afterAll(async () => {
    await session?.end();
    await ctx?.close();
  });

  it("is generic for a first page once prepared and run a few times, on an organization of many invitations", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Large" });
    expect(org.status).toBe(201);
    // Many rows, so that a plan that reckons on a tenth of them for an unknown limit costs more
    // than one planned for the page's 51: written straight into the table, to be quick.
    await session.query(
      `insert into invitations (id, tenant_id, organization_id, email, email_display, role_ids, status, expires_at, created_at, updated_at, token_hash, token_cipher)
       select 'inv_plan' || n, $1, $2, 'plan' || n || '@example.com', 'plan' || n || '@example.com', '[]', 'pending', $3::bigint + 86400000, $3::bigint + n, $3::bigint + n, 'hash' || n, 'cipher' || n
       from generate_series(1, 20000) as n`,
      [ctx.tenantId, org.body.id, Date.now()],
    );
    await session.query("analyze invitations");
    const statements = new ListStatements(ctx.usher.database.db, "postgres", invitationDocument, "node");
    const page = statements.rows({ tenantId: ctx.tenantId, organizationId: org.body.id, now: Date.now(), limit: 51 });
    await session.query(`prepare list_plan as ${page.sql}`);
    const execute = `execute list_plan(${page.parameters.map((value) => session.escapeLiteral(String(value))).join(", ")})`;
    for (let i = 0; i < 6; i++) await session.query(execute);
    const { rows } = await session.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${execute}`);
    const plan = JSON.stringify(rows[0]?.["QUERY PLAN"]);
    // A generic plan compares with the parameters; a custom one with the request's values.
    expect(plan).toContain("$1");
    expect(plan).not.toContain(ctx.tenantId);
  });
});
