import { decodeJwt, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { type Client, client, createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { DAY_MS, expectLogtoError, fetchAccessToken, type LogtoInvitation, seedLogtoOrganization } from "./helpers.js";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const HOUR_MS = 3_600_000;

describe.each(databaseKinds)("Logto authentication and the token endpoint (%s)", (kind) => {
  let ctx: TestContext;
  let clock: ManualClock;
  let api: Client;
  let clientId: string;
  let clientSecret: string;

  const tokenRequest = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    ctx.app.inject({
      method: "POST",
      url: "/oidc/token",
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  const grant = () => ({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
  const newKey = async (scopes?: string[]) => {
    const created = await api.post<{ key: string; apiKey: { id: string } }>("/v1/api-keys", { name: "m2m", ...(scopes && { scopes }) });
    expect(created.status).toBe(201);
    return created.body;
  };

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    [clientId = "", clientSecret = ""] = ctx.adminKey.split(".");
  });
  afterAll(async () => ctx?.close());

  it("issues a one-hour bearer token for form-field credentials, as @logto/api asks for it", async () => {
    const res = await tokenRequest({ ...grant(), resource: "https://default.logto.app/api", scope: "all" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    const body = res.json() as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 3600, scope: "all" });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: clientId, aud: "https://default.logto.app/api", scope: "all" });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(res.body).not.toContain(clientSecret);
  });

  it("accepts HTTP Basic client credentials and any Logto Management API resource", async () => {
    const basic = `Basic ${Buffer.from(`${clientId}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
    for (const resource of ["https://my-tenant.logto.app/api", "http://127.0.0.1:3001/api", "https://auth.example.com/api/"]) {
      const res = await tokenRequest({ grant_type: "client_credentials", resource, scope: "all" }, { authorization: basic });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ scope: "all" });
    }
    expect((await tokenRequest({ grant_type: "client_credentials" }, { authorization: basic })).statusCode).toBe(200);
  });

  it.each([
    ["a wrong secret", () => ({ ...grant(), client_secret: "wrong" }), {}, 401, "invalid_client"],
    ["an unknown client", () => ({ ...grant(), client_id: "key_unknown" }), {}, 401, "invalid_client"],
    ["no credentials", () => ({ grant_type: "client_credentials" }), {}, 401, "invalid_client"],
    ["a bad Basic header", () => ({ grant_type: "client_credentials" }), { authorization: "Basic !!!" }, 401, "invalid_client"],
    ["two client authentication methods", () => grant(), { authorization: "Basic a2V5X3g6eQ==" }, 400, "invalid_request"],
    ["no grant_type", () => ({ client_id: clientId, client_secret: clientSecret }), {}, 400, "invalid_request"],
    ["another grant type", () => ({ ...grant(), grant_type: "password" }), {}, 400, "unsupported_grant_type"],
    ["a resource that is not a Management API", () => ({ ...grant(), resource: "https://example.com/other" }), {}, 400, "invalid_target"],
    ["a resource that is not a URL", () => ({ ...grant(), resource: "api" }), {}, 400, "invalid_target"],
    ["a scope other than all", () => ({ ...grant(), scope: "all read:users" }), {}, 400, "invalid_scope"],
  ])("refuses %s with the OAuth error", async (_name, fields, headers, status, error) => {
    const res = await tokenRequest(fields(), headers);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error, error_description: expect.any(String), code: `oidc.${error}`, message: expect.any(String) });
    if (status === 401 && "authorization" in headers) expect(res.headers["www-authenticate"]).toMatch(/^Basic/);
    expect(res.body).not.toContain(clientSecret);
  });

  it("refuses a JSON body and repeated parameters with invalid_request", async () => {
    const json = await ctx.app.inject({ method: "POST", url: "/oidc/token", payload: grant() });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ error: "invalid_request", code: "oidc.invalid_request" });
    const repeated = await ctx.app.inject({
      method: "POST",
      url: "/oidc/token",
      headers: FORM,
      payload: `${new URLSearchParams(grant()).toString()}&grant_type=client_credentials`,
    });
    expect(repeated.statusCode).toBe(400);
    expect(repeated.json()).toMatchObject({ error: "invalid_request" });
  });

  it("runs the whole invitation flow with an access token", async () => {
    const token = await fetchAccessToken(ctx.app, ctx.adminKey);
    const m2m = client(ctx.app, token);
    const org = await seedLogtoOrganization(m2m, "Token Org");
    const invitee = uniqueEmail("token");
    const created = await m2m.post<LogtoInvitation>("/api/organization-invitations", {
      invitee,
      organizationId: org.organizationId,
      expiresAt: clock.now() + DAY_MS,
      organizationRoleIds: [org.roleId],
    });
    expect(created.status).toBe(201);
    expect((await m2m.get<LogtoInvitation[]>(`/api/organization-invitations?invitee=${invitee}`)).body).toHaveLength(1);
    const user = await m2m.post<{ id: string }>("/api/users", { primaryEmail: invitee });
    const accepted = await m2m.put<LogtoInvitation>(`/api/organization-invitations/${created.body.id}/status`, {
      status: "Accepted",
      acceptedUserId: user.body.id,
    });
    expect(accepted.body.status).toBe("Accepted");
    const members = await m2m.get<Array<{ id: string }>>(`/api/organizations/${org.organizationId}/users`);
    expect(members.body.map((m) => m.id)).toEqual([user.body.id]);
  });

  it("honours expires_in: the token works until its hour is over, then answers 401", async () => {
    const token = await fetchAccessToken(ctx.app, ctx.adminKey);
    const m2m = client(ctx.app, token);
    expect((await m2m.get("/api/organizations")).status).toBe(200);
    clock.advance(HOUR_MS - 1000);
    expect((await m2m.get("/api/organizations")).status).toBe(200);
    clock.advance(1000);
    expectLogtoError(await m2m.get("/api/organizations"), 401, "auth.unauthorized");
    expect((await api.get("/api/organizations")).status).toBe(200);
  });

  it("stops honouring tokens of a revoked key", async () => {
    const key = await newKey();
    const m2m = client(ctx.app, await fetchAccessToken(ctx.app, key.key));
    expect((await m2m.get("/api/organizations")).status).toBe(200);
    expect((await api.delete(`/v1/api-keys/${key.apiKey.id}`)).status).toBe(204);
    expectLogtoError(await m2m.get("/api/organizations"), 401, "auth.unauthorized");
    const [id = "", secret = ""] = key.key.split(".");
    const again = await tokenRequest({ grant_type: "client_credentials", client_id: id, client_secret: secret });
    expect(again.statusCode).toBe(401);
  });

  it("refuses tokens it did not sign, and tampered ones", async () => {
    const token = await fetchAccessToken(ctx.app, ctx.adminKey);
    const now = Math.floor(clock.now() / 1000);
    const forged = await new SignJWT({ scope: "all" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(`${ctx.config.publicUrl}/oidc`)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode("another-secret-another-secret-another"));
    const [header = "", payload = ""] = token.split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: "key_other" })).toString("base64url")}.${token.split(".")[2]}`;
    for (const bad of [forged, unsigned, tampered, `${token}x`]) {
      expectLogtoError(await client(ctx.app, bad).get("/api/organizations"), 401, "auth.unauthorized");
    }
  });

  it.each([
    ["no header", undefined, "auth.authorization_header_missing"],
    ["an empty header", "", "auth.authorization_header_missing"],
    ["another scheme", "Basic a2V5OnNlY3JldA==", "auth.unauthorized"],
    ["a bearer without a token", "Bearer ", "auth.unauthorized"],
    ["a key without its secret", "Bearer key_testadmin", "auth.unauthorized"],
    ["a wrong secret", "Bearer key_testadmin.wrong-secret", "auth.unauthorized"],
    ["garbage", "Bearer .....", "auth.unauthorized"],
  ])("answers 401 for %s", async (_name, header, code) => {
    const res = await ctx.app.inject({
      method: "GET",
      url: "/api/organization-invitations",
      headers: header === undefined ? {} : { authorization: header },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code, message: expect.any(String) });
  });

  it("answers 403 auth.forbidden when the key (or its token) lacks the scope", async () => {
    const reader = await newKey(["invitations:read"]);
    for (const credential of [reader.key, await fetchAccessToken(ctx.app, reader.key)]) {
      const as = client(ctx.app, credential);
      expect((await as.get("/api/organization-invitations")).status).toBe(200);
      const res = await as.post("/api/organization-invitations", {
        invitee: uniqueEmail(),
        organizationId: "org_x",
        expiresAt: clock.now() + DAY_MS,
      });
      expectLogtoError(res, 403, "auth.forbidden");
      expectLogtoError(await as.post("/api/organizations", { name: "Nope" }), 403, "auth.forbidden");
    }
  });

  it("keeps tenants apart: another tenant's token sees none of this tenant's invitations", async () => {
    const org = await seedLogtoOrganization(api, "Private");
    const mine = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee: uniqueEmail("private"),
      organizationId: org.organizationId,
      expiresAt: clock.now() + DAY_MS,
    });
    const tenant = await api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Other" });
    const other = client(ctx.app, await fetchAccessToken(ctx.app, tenant.body.apiKey.key));
    expect((await other.get<LogtoInvitation[]>("/api/organization-invitations")).body).toEqual([]);
    expectLogtoError(await other.get(`/api/organization-invitations/${mine.body.id}`), 404, "entity.not_found");
    expectLogtoError(await other.delete(`/api/organization-invitations/${mine.body.id}`), 404, "entity.not_found");
    expectLogtoError(await other.get(`/api/organizations/${org.organizationId}`), 404, "entity.not_found");
  });
});
