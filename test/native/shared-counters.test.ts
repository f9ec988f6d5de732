import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsher } from "../../src/container.js";
import { MemoryLimitStore } from "../../src/core/limiter.js";
import { RedisLimitStore } from "../../src/limits/redis-limit-store.js";
import { elasticClient } from "../compat/elastic/helpers.js";
import { loginRadiusClient } from "../compat/loginradius/lr-client.js";
import { client, createTestContext, databaseKinds, secondInstance, type TestContext, testConfig, uniqueEmail } from "../helpers/harness.js";

/** Redis for the shared counters; CI always sets it. */
const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

/** Each suite its own keys, so that runs and suites never count each other's requests. */
const prefix = () => `usher-test:${randomBytes(6).toString("hex")}:`;

/** A fixed moment in the middle of an hour, so that no window ends during a test. */
const HALF_PAST = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1_830_000;

describe.skipIf(!TEST_REDIS_URL)("Redis counters", () => {
  const url = TEST_REDIS_URL ?? "";

  it("answer every sequence of consumes and refunds as the in-memory counters do", async () => {
    const edge = [
      { op: "consume" as const, key: "a" as const, limit: 2, cost: 2, windowMs: 1_000 as const },
      { op: "consume" as const, key: "a" as const, limit: 2, cost: 0, windowMs: 1_000 as const },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("consume" as const),
              key: fc.constantFrom("a", "b"),
              limit: fc.integer({ min: 0, max: 3 }),
              cost: fc.integer({ min: 0, max: 2 }),
              windowMs: fc.constantFrom(1_000, 60_000),
            }),
            fc.record({
              op: fc.constant("refund" as const),
              key: fc.constantFrom("a", "b"),
              cost: fc.integer({ min: 1, max: 2 }),
              windowMs: fc.constantFrom(1_000, 60_000),
            }),
            fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
          ),
          { maxLength: 40 },
        ),
        fc.boolean(),
        async (steps, together) => {
          let now = HALF_PAST;
          const memory = new MemoryLimitStore(() => now);
          const redis = new RedisLimitStore({ url, now: () => now, prefix: prefix() });
          await redis.connect();
          // Together: the steps between two waits are asked without waiting for each other,
          // as concurrent requests ask them, and must be answered as if asked one by one.
          let burst: Array<Promise<void>> = [];
          const settle = async () => {
            await Promise.all(burst);
            burst = [];
          };
          try {
            for (const step of steps) {
              let asked: Promise<void>;
              if (step.op === "wait") {
                await settle();
                now += step.ms;
                continue;
              }
              if (step.op === "refund") {
                await memory.refund(step.key, step.windowMs, step.cost);
                asked = redis.refund(step.key, step.windowMs, step.cost);
              } else {
                const expected = await memory.consume(step.key, step.limit, step.windowMs, step.cost);
                asked = redis.consume(step.key, step.limit, step.windowMs, step.cost).then((answer) => {
                  expect(answer).toEqual(expected);
                });
              }
              if (together) burst.push(asked);
              else await asked;
            }
            await settle();
          } finally {
            await redis.close();
          }
        },
      ),
      {
        numRuns: 200,
        // The edge a random run can miss: asking without taking when exactly the limit is used.
        examples: [true, false].map((together): [typeof edge, boolean] => [edge, together]),
      },
    );
  });

  it("give the last unit once when several processes ask at the same time", async () => {
    const shared = prefix();
    const stores = [0, 1, 2].map(() => new RedisLimitStore({ url, now: () => HALF_PAST, prefix: shared }));
    await Promise.all(stores.map((store) => store.connect()));
    try {
      const asks = Array.from({ length: 300 }, (_, i) => stores[i % stores.length]?.consume("last", 50, 60_000, 1));
      const results = await Promise.all(asks);
      expect(results.filter((result) => result?.allowed)).toHaveLength(50);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("stop a start whose REDIS_URL answers nothing, with the reason", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "usher-redis-"));
    try {
      const config = testConfig({ dataDir, redisUrl: `redis://127.0.0.1:${await unusedPort()}` });
      await expect(createUsher(config)).rejects.toThrow(/REDIS_URL: cannot reach the Redis server/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  for (const kind of databaseKinds) {
    describe(`two processes on one ${kind} database`, () => {
      let ctx: TestContext;
      let second: Awaited<ReturnType<typeof secondInstance>>;
      const shared = prefix();
      const clock = { now: () => HALF_PAST };

      beforeAll(async () => {
        ctx = await createTestContext(kind, { config: { redisUrl: url }, overrides: { redisPrefix: shared, clock } });
        second = await secondInstance(ctx, { redisPrefix: shared, clock });
      });
      afterAll(async () => {
        await second?.close();
        await ctx?.close();
      });

      it("count one request limit per API key across both", async () => {
        const admin = client(ctx.app, ctx.adminKey);
        const key = (await admin.post<{ key: string }>("/v1/api-keys", { name: "shared" })).body.key;
        await admin.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 5 } });
        try {
          const here = client(ctx.app, key);
          const there = client(second.app, key);
          const statuses = [];
          for (let i = 0; i < 6; i++) statuses.push((await (i % 2 === 0 ? here : there).get("/v1/roles")).status);
          expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
          const refused = await here.get("/v1/roles");
          expect(refused.status).toBe(429);
          expect(refused.body).toMatchObject({ code: "request_limit_exceeded" });
          expect(Number(refused.headers["retry-after"])).toBe(30);
        } finally {
          await admin.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 0 } });
        }
      });

      it("count one creation limit per organization across both", async () => {
        const admin = client(ctx.app, ctx.adminKey);
        const org = (await admin.post<{ id: string }>("/v1/organizations", { name: "Counted" })).body.id;
        await admin.patch("/v1/settings", { limits: { invitationsPerOrganizationPerHour: 3 } });
        // A process started after the change (each keeps tenant settings for a few seconds).
        const third = await secondInstance(ctx, { redisPrefix: shared, clock });
        const other = client(third.app, ctx.adminKey);
        try {
          const statuses = [];
          for (let i = 0; i < 4; i++) {
            const api = i % 2 === 0 ? admin : other;
            statuses.push((await api.post("/v1/invitations", { organizationId: org, email: uniqueEmail("counted") })).status);
          }
          expect(statuses).toEqual([201, 201, 201, 429]);
          const listed = await other.get<{ data: unknown[] }>(`/v1/invitations?organizationId=${org}`);
          expect(listed.body.data).toHaveLength(3);
        } finally {
          await admin.patch("/v1/settings", { limits: { invitationsPerOrganizationPerHour: 10_000 } });
          await third.close();
        }
      });

      it("count each email of a batch per recipient across both, and give back an atomic batch's", async () => {
        const admin = client(ctx.app, ctx.adminKey);
        const org = async (name: string) => (await admin.post<{ id: string }>("/v1/organizations", { name })).body.id;
        const [first, second, third] = [await org("Batch A"), await org("Batch B"), await org("Batch C")];
        await admin.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 1 } });
        const other = await secondInstance(ctx, { redisPrefix: shared, clock });
        const there = client(other.app, ctx.adminKey);
        try {
          const [x, y, w, v] = [uniqueEmail("x"), uniqueEmail("y"), uniqueEmail("w"), uniqueEmail("v")];
          expect((await admin.post("/v1/invitations/batch", { organizationId: first, emails: [x, y] })).status).toBe(201);
          type Batch = { created: number; failed: number; results: Array<{ status: string; error?: { code: string } }> };
          const loose = await there.post<Batch>("/v1/invitations/batch", { organizationId: second, emails: [x, w, y], atomic: false });
          expect(loose.body).toMatchObject({ created: 1, failed: 2 });
          expect(loose.body.results.map((r) => r.error?.code ?? r.status)).toEqual([
            "send_limit_exceeded",
            "created",
            "send_limit_exceeded",
          ]);

          const atomic = await admin.post("/v1/invitations/batch", { organizationId: third, emails: [v, x] });
          expect(atomic.status).toBe(429);
          expect(atomic.body).toMatchObject({ code: "send_limit_exceeded" });
          // v's send was counted, then given back with the batch.
          expect((await there.post("/v1/invitations", { organizationId: third, email: v })).status).toBe(201);
        } finally {
          await admin.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
          await other.close();
        }
      });

      it("say so on /readyz", async () => {
        const ready = await client(second.app, null).get("/readyz");
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ status: "ready", counters: "redis" });
      });
    });
  }

  describe("when Redis is out of reach", () => {
    let ctx: TestContext;
    let proxy: Proxy;

    beforeAll(async () => {
      proxy = await startProxy(new URL(url));
      ctx = await createTestContext("sqlite", {
        config: { redisUrl: `redis://127.0.0.1:${proxy.port}` },
        overrides: { redisPrefix: prefix() },
      });
    });
    afterAll(async () => {
      await ctx?.close();
      await proxy?.close();
    });

    it("answers 503 and writes nothing, then serves again once Redis is back", async () => {
      const admin = client(ctx.app, ctx.adminKey);
      const org = (await admin.post<{ id: string }>("/v1/organizations", { name: "Outage" })).body.id;
      await proxy.stop();
      const refused = await admin.post("/v1/invitations", { organizationId: org, email: uniqueEmail("outage") });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: "service_unavailable" });
      expect(refused.headers["retry-after"]).toBe("1");
      expect((await client(ctx.app, null).get("/readyz")).status).toBe(503);
      expect((await ctx.app.inject({ url: "/metrics" })).body).toMatch(/^usher_limit_counters_reachable 0$/m);
      const written = await ctx.usher.db.selectFrom("invitations").select("id").where("organization_id", "=", org).execute();
      expect(written).toEqual([]);

      await proxy.resume();
      let status = 0;
      for (let i = 0; i < 50 && status !== 201; i++) {
        status = (await admin.post("/v1/invitations", { organizationId: org, email: uniqueEmail("back") })).status;
        if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(201);
      expect((await ctx.app.inject({ url: "/metrics" })).body).toMatch(/^usher_limit_counters_reachable 1$/m);
    });

    it("answers each dialect's own 503 while Redis is away", async () => {
      const admin = client(ctx.app, ctx.adminKey);
      const org = (await admin.post<{ id: string }>("/v1/organizations", { name: "Dialects" })).body.id;
      await proxy.stop();
      try {
        const logto = await admin.post("/api/organization-invitations", {
          invitee: uniqueEmail("logto"),
          organizationId: org,
          expiresAt: Date.now() + 86_400_000,
        });
        expect(logto.status).toBe(503);
        expect(logto.body).toEqual({ code: "request.general", message: "An internal error occurred." });
        expect(logto.headers["retry-after"]).toBe("1");

        const lr = await loginRadiusClient(ctx.app, ctx.adminKey).send({ email: uniqueEmail("lr"), orgId: org });
        expect(lr.status).toBe(503);
        expect(lr.body).toMatchObject({ ErrorCode: 7909 });

        const elastic = await elasticClient(ctx.app, ctx.adminKey).create(org, { emails: [uniqueEmail("elastic")] });
        expect(elastic.status).toBe(503);
        expect(elastic.body).toMatchObject({ errors: [{ code: "root.service_unavailable" }] });

        const written = await ctx.usher.db.selectFrom("invitations").select("id").where("organization_id", "=", org).execute();
        expect(written).toEqual([]);
      } finally {
        await proxy.resume();
      }
    });
  });
});

interface Proxy {
  port: number;
  /** Drops every connection and refuses new ones. */
  stop(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP relay in front of Redis that the test can cut, as a network fault or a restart would. */
async function startProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const port = await unusedPort();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((socket) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        sockets.add(socket).add(upstream);
        socket.pipe(upstream).pipe(socket);
        const drop = () => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await listen();
  return { port, stop, resume: listen, close: stop };
}

async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
