import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLogtoDialect } from "../../../src/http/compat/logto/index.js";
import { installValidators } from "../../../src/http/validation.js";
import { type Client, client, createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { expectLogtoError, rawPost, seedLogtoOrganization } from "./helpers.js";

describe.each(databaseKinds)("Logto supporting routes and framework errors (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
  });
  afterAll(async () => ctx?.close());

  it("creates, gets and lists organizations in Logto's shape, with search and pagination", async () => {
    const created = await api.post<{ id: string }>("/api/organizations", {
      name: "Zeta Labs",
      description: "research",
      customData: { tier: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      tenantId: ctx.tenantId,
      id: expect.stringMatching(/^org_/),
      name: "Zeta Labs",
      description: "research",
      customData: {},
      isMfaRequired: false,
      color: {},
      branding: {},
      customCss: null,
      createdAt: expect.any(Number),
    });
    expect((await api.get(`/api/organizations/${created.body.id}`)).body).toEqual(created.body);
    await api.post("/api/organizations", { name: "Omega" });
    const found = await api.get<Array<{ id: string }>>("/api/organizations?q=zeta");
    expect(found.body.map((o) => o.id)).toEqual([created.body.id]);
    const paged = await api.get<unknown[]>("/api/organizations?page=1&page_size=1");
    expect(paged.body).toHaveLength(1);
    expect(paged.headers["total-number"]).toBe("2");
    expectLogtoError(await api.get("/api/organizations/org_unknown"), 404, "entity.not_found");
    expectLogtoError(await api.post("/api/organizations", { description: "no name" }), 400, "guard.invalid_input");
  });

  it("creates and lists organization roles, accepting Logto's scope fields", async () => {
    const created = await api.post<{ id: string }>("/api/organization-roles", {
      name: "editor",
      description: "Edits",
      organizationScopeIds: [],
      resourceScopeIds: [],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      tenantId: ctx.tenantId,
      id: expect.stringMatching(/^role_/),
      name: "editor",
      description: "Edits",
      type: "User",
    });
    const listed = await api.get<Array<{ id: string }>>("/api/organization-roles");
    expect(listed.body).toContainEqual({ ...created.body, scopes: [], resourceScopes: [] });
    expectLogtoError(await api.post("/api/organization-roles", { name: "editor" }), 422, "entity.unique_integrity_violation");
  });

  it("creates users with 200 and gets them; refuses duplicates and bad emails", async () => {
    const email = uniqueEmail("user");
    const created = await api.post<{ id: string; primaryEmail: string; name: string }>("/api/users", {
      primaryEmail: email,
      name: "Lin",
      username: "lin",
      password: "ignored-here",
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ primaryEmail: email, name: "Lin", username: null, primaryPhone: null, isSuspended: false });
    expect((await api.get(`/api/users/${created.body.id}`)).body).toEqual(created.body);
    expectLogtoError(await api.post("/api/users", { primaryEmail: email.toUpperCase() }), 422, "user.email_already_in_use");
    expectLogtoError(await api.post("/api/users", { primaryEmail: "nope" }), 400, "guard.invalid_input");
    expectLogtoError(await api.post("/api/users", { username: "no-email" }), 400, "guard.invalid_input");
    expectLogtoError(await api.get("/api/users/usr_unknown"), 404, "entity.not_found");
  });

  it("adds organization users all or none, ignores existing members and lists them with their roles", async () => {
    const { organizationId } = await seedLogtoOrganization(api, "Members");
    const a = await api.post<{ id: string }>("/api/users", { primaryEmail: uniqueEmail("a") });
    const b = await api.post<{ id: string }>("/api/users", { primaryEmail: uniqueEmail("b") });
    const refused = await api.post(`/api/organizations/${organizationId}/users`, { userIds: [a.body.id, "usr_unknown"] });
    expectLogtoError(refused, 422, "entity.relation_foreign_key_not_found");
    expect((await api.get<unknown[]>(`/api/organizations/${organizationId}/users`)).body).toEqual([]);
    expectLogtoError(
      await api.post("/api/organizations/org_unknown/users", { userIds: [a.body.id] }),
      422,
      "entity.relation_foreign_key_not_found",
    );
    expectLogtoError(await api.post(`/api/organizations/${organizationId}/users`, { userIds: [] }), 400, "guard.invalid_input");

    const added = await api.post(`/api/organizations/${organizationId}/users`, { userIds: [a.body.id] });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ userIds: [a.body.id] });
    expect((await api.post(`/api/organizations/${organizationId}/users`, { userIds: [a.body.id, b.body.id] })).status).toBe(201);
    const listed = await api.get<Array<{ id: string; organizationRoles: unknown[] }>>(
      `/api/organizations/${organizationId}/users?page=1&page_size=10`,
    );
    expect(listed.headers["total-number"]).toBe("2");
    expect(listed.body.map((u) => u.id).sort()).toEqual([a.body.id, b.body.id].sort());
    expect(listed.body.every((u) => Array.isArray(u.organizationRoles))).toBe(true);
    expectLogtoError(await api.get("/api/organizations/org_unknown/users"), 404, "entity.not_found");
  });

  it.each([
    ["bad JSON", "{not json", "application/json", 400],
    ["a JSON string", '"text"', "application/json", 400],
    ["an empty JSON body", "", "application/json", 400],
    ["text/plain", "hello", "text/plain", 400],
    ["XML", "<a/>", "application/xml", 400],
    ["a form body", "name=x", "application/x-www-form-urlencoded", 400],
    ["an oversized body", JSON.stringify({ name: "x".repeat(1_100_000) }), "application/json", 413],
  ])("answers %s with guard.invalid_input in Logto's envelope", async (_name, payload, contentType, status) => {
    const res = await rawPost(ctx.app, "/api/organizations", ctx.adminKey, payload, contentType);
    expectLogtoError(res, status, "guard.invalid_input");
  });

  it("answers unknown routes under /api with 404 entity.not_found", async () => {
    expectLogtoError(await api.get("/api/not-a-route"), 404, "entity.not_found");
    expectLogtoError(await api.patch("/api/organization-invitations/inv_x", {}), 404, "entity.not_found");
    expectLogtoError(await api.get("/api/organization-invitations?page=x&page_size=2"), 400, "guard.invalid_pagination");
  });
});

describe("Logto's /api plugin next to a dialect at /api/v1", () => {
  let app: FastifyInstance;
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext("sqlite");
    app = Fastify();
    installValidators(app);
    await registerLogtoDialect(app, ctx.usher);
    await app.register(
      async (sibling) => {
        sibling.setNotFoundHandler((_request, reply) => reply.code(404).send({ errors: [{ code: "sibling.not_found" }] }));
        sibling.get("/organizations/:id/invitations", async () => ({ invitations: [] }));
      },
      { prefix: "/api/v1" },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
  });

  it("leaves /api/v1 routes and their not-found answers to the other dialect", async () => {
    const routed = await app.inject({ method: "GET", url: "/api/v1/organizations/o1/invitations" });
    expect(routed.json()).toEqual({ invitations: [] });
    const missing = await app.inject({ method: "GET", url: "/api/v1/unknown" });
    expect(missing.json()).toEqual({ errors: [{ code: "sibling.not_found" }] });
    const logto = await app.inject({ method: "GET", url: "/api/unknown", headers: { authorization: "Bearer x" } });
    expect(logto.statusCode).toBe(401);
    expect(logto.json()).toMatchObject({ code: "auth.unauthorized" });
  });
});
