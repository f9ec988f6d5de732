import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  awayFromWindowEdge,
  client,
  createTestContext,
  databaseKinds,
  type TestContext,
  uniqueEmail,
} from "../../helpers/harness.js";
import { elasticClient, expectFailure, seedElastic } from "./helpers.js";

const INVALID_AUTH = [{ code: "root.invalid_authentication" }];

describe.each(databaseKinds)("Elastic dialect, authentication (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  const routes = () =>
    [
      ["POST", `/organizations/${seed.organizationId}/invitations`, { emails: [uniqueEmail("sec")] }],
      ["GET", `/organizations/${seed.organizationId}/invitations`, undefined],
      ["GET", `/organizations/invitations/${"A".repeat(43)}`, undefined],
      ["DELETE", `/organizations/${seed.organizationId}/invitations/${"A".repeat(43)}`, undefined],
      ["POST", `/organizations/invitations/${"A".repeat(43)}/_accept`, undefined],
    ] as const;

  it("answers 403 root.invalid_authentication on every route for a missing, wrong or differently spelled key", async () => {
    const [keyId] = ADMIN_KEY.split(".");
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: `ApiKey ${keyId}.wrong-secret` },
      { authorization: "ApiKey key_nosuchkey.secret" },
      { authorization: "ApiKey not-a-key" },
      { authorization: "ApiKey " },
      { authorization: `Bearer ${ADMIN_KEY}` },
      { authorization: ADMIN_KEY },
    ];
    const anonymous = elasticClient(ctx.app, null);
    for (const [method, url, json] of routes()) {
      for (const h of headers) {
        const res = await anonymous.call(method, url, { headers: h, ...(json && { json }) });
        expectFailure(res, 403, INVALID_AUTH);
      }
    }
  });

  it("checks the key before reading the body", async () => {
    const res = await elasticClient(ctx.app, null).call("POST", `/organizations/${seed.organizationId}/invitations`, {
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    expectFailure(res, 403, INVALID_AUTH);
  });

  it("accepts the scheme name in any case, as HTTP allows", async () => {
    const res = await elasticClient(ctx.app, null).call("GET", `/organizations/${seed.organizationId}/invitations`, {
      headers: { authorization: `apikey ${ADMIN_KEY}` },
    });
    expect(res.status, res.text).toBe(200);
  });

  it("refuses a revoked key", async () => {
    const made = await seed.admin.post<{ key: string; apiKey: { id: string } }>("/v1/api-keys", { name: "short-lived" });
    const api = elasticClient(ctx.app, made.body.key);
    expect((await api.list(seed.organizationId)).status).toBe(200);
    expect((await seed.admin.delete(`/v1/api-keys/${made.body.apiKey.id}`)).status).toBe(204);
    expectFailure(await api.list(seed.organizationId), 403, INVALID_AUTH);
  });

  it("answers 403 root.unauthorized for a key without the needed scope", async () => {
    const made = await seed.admin.post<{ key: string }>("/v1/api-keys", { name: "reader", scopes: ["invitations:read"] });
    const reader = elasticClient(ctx.app, made.body.key);
    expectFailure(await reader.create(seed.organizationId, { emails: [uniqueEmail("scope")] }), 403, [{ code: "root.unauthorized" }]);
    expectFailure(await reader.remove(seed.organizationId, ["A".repeat(43)]), 403, [{ code: "root.unauthorized" }]);
    const events = await seed.admin.post<{ key: string }>("/v1/api-keys", { name: "events", scopes: ["events:read"] });
    expectFailure(await elasticClient(ctx.app, events.body.key).list(seed.organizationId), 403, [{ code: "root.unauthorized" }]);
  });

  it("applies the per-key request limit with 429 root.rate_limit_exceeded", async () => {
    const tenant = await seed.admin.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Throttled" });
    const admin = client(ctx.app, tenant.body.apiKey.key);
    const org = await admin.post<{ id: string }>("/v1/organizations", { name: "Throttled" });
    await awayFromWindowEdge();
    expect((await admin.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 3 } })).status).toBe(200);
    const api = elasticClient(ctx.app, tenant.body.apiKey.key);
    let last = await api.list(org.body.id);
    for (let i = 0; i < 5 && last.status === 200; i += 1) last = await api.list(org.body.id);
    expectFailure(last, 429, [{ code: "root.rate_limit_exceeded" }]);
    expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("counts unknown tokens as failed attempts for the address and answers 429 past the limit", async () => {
    const limit = ctx.usher.limits.tokenAttemptLimit;
    const unknown = (i: number) => `${"Z".repeat(40)}${String(i).padStart(3, "0")}`;
    for (let i = 0; i < limit; i += 1) expect((await seed.api.get(unknown(i))).status).toBe(404);
    const refused = await seed.api.get(unknown(limit));
    expectFailure(refused, 429, [{ code: "root.rate_limit_exceeded" }]);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expectFailure(await seed.api.remove(seed.organizationId, [unknown(0)]), 429, [{ code: "root.rate_limit_exceeded" }]);
  });
});
