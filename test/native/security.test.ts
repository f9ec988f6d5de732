import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsher } from "../../src/container.js";
import { ServerSecretMismatch } from "../../src/db/server-secret.js";
import {
  awayFromWindowEdge,
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

describe.each(databaseKinds)("native API security (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };
  let invitationId: string;
  let otherTenant: Client;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api);
    const inv = await api.post<{ id: string }>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail() });
    invitationId = inv.body.id;
    const tenant = await api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Globex" });
    expect(tenant.status).toBe(201);
    otherTenant = client(ctx.app, tenant.body.apiKey.key);
  });
  afterAll(async () => ctx?.close());

  it("keeps a second instance with another server secret off the database, so no token stops working", async () => {
    const other = createUsher({ ...ctx.config, secret: "another-secret-another-secret-another" }, { log: pino({ level: "silent" }) });
    await expect(other).rejects.toBeInstanceOf(ServerSecretMismatch);
    const same = await createUsher(ctx.config, { log: pino({ level: "silent" }) });
    await same.close();
  });

  it.each([
    ["no header", undefined],
    ["another scheme", "Basic a2V5OnNlY3JldA=="],
    ["no secret", "Bearer key_testadmin"],
    ["wrong secret", "Bearer key_testadmin.wrong-secret"],
    ["unknown key", "Bearer key_unknown.s3cret-s3cret-s3cret-s3cret"],
    ["garbage", "Bearer ....."],
  ])("answers 401 for %s", async (_name, header) => {
    const res = await ctx.app.inject({ method: "GET", url: "/v1/invitations", headers: header ? { authorization: header } : {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: "unauthorized", status: 401 });
    expect(res.body).not.toContain("s3cret");
  });

  it("stops accepting a revoked key", async () => {
    const created = await api.post<{ key: string; apiKey: { id: string } }>("/v1/api-keys", { name: "temp" });
    expect(created.status).toBe(201);
    const temp = client(ctx.app, created.body.key);
    expect((await temp.get("/v1/organizations")).status).toBe(200);
    expect((await api.delete(`/v1/api-keys/${created.body.apiKey.id}`)).status).toBe(204);
    expect((await temp.get("/v1/organizations")).status).toBe(401);
    const listed = await api.get<{ data: Array<{ id: string; revokedAt: string | null }> }>("/v1/api-keys");
    expect(listed.body.data.find((k) => k.id === created.body.apiKey.id)?.revokedAt).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key.split(".")[1]);
  });

  it("revokes the keys bound to a user when the user is deleted", async () => {
    const user = await api.post<{ id: string }>("/v1/users", { email: "leaver@example.com" });
    const bound = await api.post<{ key: string; apiKey: { id: string } }>("/v1/api-keys", { name: "leaver", userId: user.body.id });
    expect((await api.delete(`/v1/users/${user.body.id}`)).status).toBe(204);
    expect((await client(ctx.app, bound.body.key).get("/v1/organizations")).status).toBe(401);
    const keys = await api.get<{ data: Array<{ id: string; revokedAt: string | null }> }>("/v1/api-keys");
    expect(keys.body.data.find((k) => k.id === bound.body.apiKey.id)?.revokedAt).toEqual(expect.any(String));
  });

  it("answers NUL characters in bodies and paths without a 5xx on either database", async () => {
    const cases: Array<[string, string, unknown]> = [
      ["POST", "/v1/invitations", { organizationId: org.organizationId, email: "nul\u0000@example.com" }],
      ["POST", "/v1/organizations", { name: "bad\u0000name" }],
      ["GET", "/v1/invitations/inv_%00x", undefined],
      ["GET", "/v1/organizations/org%00x", undefined],
      ["POST", "/v1/invitations", { organizationId: "org_%00", email: "fine@example.com", metadata: { note: "\u0000" } }],
    ];
    for (const [method, url, body] of cases) {
      const res = await ctx.app.inject({
        method: method as "GET" | "POST",
        url,
        headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "application/json" },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      expect(res.statusCode, `${method} ${url} → ${res.body}`).toBeLessThan(500);
      // The invalid email is refused everywhere; PostgreSQL refuses stored NULs as well.
      if (url === "/v1/invitations" || kind === "postgres") expect(res.statusCode, `${method} ${url}`).toBeGreaterThanOrEqual(400);
    }
  });

  it("answers 403 when the key lacks the scope, and lets the scope through", async () => {
    const reader = await api.post<{ key: string }>("/v1/api-keys", { name: "reader", scopes: ["invitations:read"] });
    const readOnly = client(ctx.app, reader.body.key);
    expect((await readOnly.get("/v1/invitations")).status).toBe(200);
    const write = await readOnly.post("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail() });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ code: "forbidden" });
    expect((await readOnly.get("/v1/tenants")).status).toBe(403);
    expect((await readOnly.patch("/v1/settings", { locale: "de" })).status).toBe(403);
  });

  it("keeps the platform scope to platform keys", async () => {
    const admin = await api.post<{ key: string }>("/v1/api-keys", { name: "tenant admin" });
    const tenantAdmin = client(ctx.app, admin.body.key);
    expect((await tenantAdmin.get("/v1/tenants")).status).toBe(403);
    expect((await tenantAdmin.post("/v1/api-keys", { name: "escalate", scopes: ["platform"] })).status).toBe(403);
  });

  it("answers another tenant's ids exactly like unknown ones", async () => {
    const theirs = await otherTenant.get(`/v1/invitations/${invitationId}`);
    const unknown = await otherTenant.get("/v1/invitations/inv_doesnotexist00");
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ code: "invitation_not_found" });
    expect(unknown.status).toBe(404);
    expect(Object.keys(theirs.body as object).sort()).toEqual(Object.keys(unknown.body as object).sort());
    expect((await otherTenant.get(`/v1/organizations/${org.organizationId}`)).status).toBe(404);
    expect((await otherTenant.post(`/v1/invitations/${invitationId}/revoke`)).status).toBe(404);
    expect((await otherTenant.delete(`/v1/invitations/${invitationId}`)).status).toBe(404);
    const create = await otherTenant.post("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail() });
    expect(create.status).toBe(404);
    expect(create.body).toMatchObject({ code: "organization_not_found" });
    const list = await otherTenant.get<{ data: unknown[] }>(`/v1/invitations?organizationId=${org.organizationId}`);
    expect(list.body.data).toEqual([]);
    expect(
      (await otherTenant.get<{ data: unknown[] }>("/v1/events")).body.data.every((e) => JSON.stringify(e).indexOf(invitationId) < 0),
    ).toBe(true);
  });

  it("never shows tokens or secrets in events", async () => {
    const inv = await api.post<{ id: string; acceptUrl: string }>("/v1/invitations", {
      organizationId: org.organizationId,
      email: uniqueEmail(),
    });
    const token = tokenOf(inv.body.acceptUrl);
    await client(ctx.app, null).post("/v1/public/invitations/accept", { token });
    const events = await api.get("/v1/events?limit=200");
    expect(events.text).not.toContain(token);
    expect(events.text).not.toContain("s3cret");
  });

  it("rate-limits failed token attempts per client address", async () => {
    await awayFromWindowEdge();
    const anonymous = client(ctx.app, null);
    let last = 0;
    for (let i = 0; i < 31; i++) {
      last = (await anonymous.post("/v1/public/invitations/preview", { token: `guess-${i}-${"x".repeat(30)}` })).status;
    }
    expect(last).toBe(429);
    const blocked = await anonymous.post("/v1/public/invitations/preview", { token: "another-guess-xxxxxxxxxxxxxxxxxxxx" });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: "token_attempts_exceeded" });
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("applies the per-key request limit when a tenant sets one", async () => {
    await awayFromWindowEdge();
    const limited = await api.post<{ key: string }>("/v1/api-keys", { name: "limited" });
    await api.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 3 } });
    try {
      const c = client(ctx.app, limited.body.key);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.get("/v1/roles")).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await api.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 0 } });
    }
  });
});
