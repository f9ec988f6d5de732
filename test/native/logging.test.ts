import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../../src/logging.js";
import {
  ADMIN_KEY,
  client,
  createTestContext,
  seedOrganization,
  TEST_DATABASE_URL,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

/** A logger as the server configures it, writing its lines into `lines`. */
function capturedLog(level: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino(loggerOptions(level), sink), lines };
}

describe("logs never carry tokens or secrets", () => {
  let ctx: TestContext;
  const { log, lines } = capturedLog("trace");

  beforeAll(async () => {
    ctx = await createTestContext("sqlite", { overrides: { log } });
  });
  afterAll(async () => ctx?.close());

  it("redacts the Authorization header, token query parameters and request bodies", async () => {
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api);
    const inv = await api.post<{ acceptUrl: string }>("/v1/invitations", { organizationId, email: uniqueEmail() });
    const token = tokenOf(inv.body.acceptUrl);
    await ctx.app.inject({ method: "GET", url: `/accept?token=${token}` });
    await ctx.app.inject({ method: "GET", url: `/v2/manage/invitations?apikey=key_testadmin&apisecret=${ADMIN_KEY.split(".")[1]}` });
    await client(ctx.app, null).post("/v1/public/invitations/accept", { token });
    const created = await api.post<{ key: string }>("/v1/api-keys", { name: "logged?" });
    ctx.usher.log.info({ token, secret: "s3cret", key: created.body.key }, "a careless line");

    const all = lines.join("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(all).toContain("incoming request");
    expect(all).not.toContain(token);
    expect(all).not.toContain(ADMIN_KEY.split(".")[1]);
    expect(all).not.toContain(created.body.key.split(".")[1]);
    expect(all).toContain("[REDACTED]");
  });
});

describe.runIf(TEST_DATABASE_URL)("a PostgreSQL connection closed while idle", () => {
  it("is logged with its reason, not with the connection it belonged to", async () => {
    const { log, lines } = capturedLog("info");
    const ctx = await createTestContext("postgres", { overrides: { log } });
    try {
      // Prepared statements on the pool's connections, then the connections end from the server.
      const api = client(ctx.app, ctx.adminKey);
      await seedOrganization(api);
      const database = new URL(ctx.config.databaseUrl ?? "").pathname.slice(1);
      const admin = new pg.Client({ connectionString: ctx.config.databaseUrl });
      await admin.connect();
      const terminated = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name = ''",
        [database],
      );
      await admin.end();
      // Each backend ends on its own time after the signal: wait until every one has been noticed.
      const closedLines = () => lines.filter((line) => line.includes("a database connection was closed"));
      for (let i = 0; i < 100 && closedLines().length < (terminated.rowCount ?? 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const closed = closedLines();
      expect(terminated.rowCount).toBeGreaterThan(0);
      expect(closed.length).toBe(terminated.rowCount);
      for (const line of closed) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(entry.reason).toMatch(/terminating connection/);
        expect(entry.code).toBe("57P01");
        expect(line).not.toContain("parsedStatements");
        expect(line.length).toBeLessThan(500);
      }
      // The pool opens new connections for the next requests.
      expect((await api.get("/v1/organizations")).status).toBe(200);
    } finally {
      await ctx.close();
    }
  });
});
