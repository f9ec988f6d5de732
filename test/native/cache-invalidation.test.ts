import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestContext, databaseKinds, secondInstance, type TestContext } from "../helpers/harness.js";

/** Asks `check` every 50 ms until it holds; the time it took, or a failure after `withinMs`. */
async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not seen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

type CreatedKey = { key: string; apiKey: { id: string } };

describe.each(databaseKinds)("cached keys and settings, one process (%s)", (kind) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
  });
  afterAll(async () => ctx?.close());

  it("stops a key bound to a deleted user at once, though it was just used", async () => {
    const admin = client(ctx.app, ctx.adminKey);
    const user = await admin.post<{ id: string }>("/v1/users", { email: `leaver-${kind}@example.com` });
    const bound = await admin.post<CreatedKey>("/v1/api-keys", { name: "leaver", userId: user.body.id });
    const leaver = client(ctx.app, bound.body.key);
    expect((await leaver.get("/v1/organizations")).status).toBe(200);
    expect((await admin.delete(`/v1/users/${user.body.id}`)).status).toBe(204);
    expect((await leaver.get("/v1/organizations")).status).toBe(401);
  });
});

describe.skipIf(!databaseKinds.includes("postgres"))("cached keys and settings, two processes on PostgreSQL", () => {
  let ctx: TestContext;
  let other: Awaited<ReturnType<typeof secondInstance>>;

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
    other = await secondInstance(ctx);
  });
  afterAll(async () => {
    await other?.close();
    await ctx?.close();
  });

  /** A new key, used once through the other process so that it holds it in its cache. */
  async function keyCachedThere(body: Record<string, unknown> = { name: "cached" }) {
    const created = await client(ctx.app, ctx.adminKey).post<CreatedKey>("/v1/api-keys", body);
    const there = client(other.app, created.body.key);
    expect((await there.get("/v1/organizations")).status).toBe(200);
    return { id: created.body.apiKey.id, there };
  }

  it("stop a key revoked in one process in the other well before the cache's 10 s", async () => {
    const { id, there } = await keyCachedThere();
    expect((await client(ctx.app, ctx.adminKey).delete(`/v1/api-keys/${id}`)).status).toBe(204);
    expect(await within(2_000, async () => (await there.get("/v1/organizations")).status === 401)).toBeLessThan(2_000);
  });

  it("stop a deleted user's key in the other process too", async () => {
    const admin = client(ctx.app, ctx.adminKey);
    const user = await admin.post<{ id: string }>("/v1/users", { email: "leaver-there@example.com" });
    const { there } = await keyCachedThere({ name: "bound", userId: user.body.id });
    expect((await admin.delete(`/v1/users/${user.body.id}`)).status).toBe(204);
    await within(2_000, async () => (await there.get("/v1/organizations")).status === 401);
  });

  it("show settings patched in one process in the other well before the cache's 5 s", async () => {
    // A process of its own, so that its copy of the settings is as young as this test.
    const fresh = await secondInstance(ctx);
    try {
      const there = client(fresh.app, ctx.adminKey);
      expect((await there.get<{ brandName: string | null }>("/v1/settings")).body.brandName).toBeNull();
      expect((await client(ctx.app, ctx.adminKey).patch("/v1/settings", { brandName: "Heard" })).status).toBe(200);
      await within(2_000, async () => (await there.get<{ brandName: string | null }>("/v1/settings")).body.brandName === "Heard");
    } finally {
      await fresh.close();
    }
  });

  it("empty the caches when the listening connection comes back, since changes may have gone unheard", async () => {
    const { id, there } = await keyCachedThere();
    // Both processes' listeners are cut; the revocation is announced while nobody listens.
    const cut = await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'usher-invalidations' and datname = current_database()`.execute(ctx.usher.db);
    expect(cut.rows).toHaveLength(2);
    const listening = async () => {
      const metrics = (await other.app.inject({ url: "/metrics" })).body;
      return metrics.match(/^usher_cache_invalidations_listening (\d)$/m)?.[1];
    };
    // Seen as lost until it reconnects, a second later.
    await within(900, async () => (await listening()) === "0");
    expect((await client(ctx.app, ctx.adminKey).delete(`/v1/api-keys/${id}`)).status).toBe(204);
    await within(4_000, async () => (await there.get("/v1/organizations")).status === 401);
    expect(await listening()).toBe("1");
  });
});
