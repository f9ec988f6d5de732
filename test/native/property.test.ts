import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, seedOrganization, type TestContext } from "../helpers/harness.js";

/** Good values per field, so generated bodies get past the schema and into the services. */
const good: Record<string, fc.Arbitrary<unknown>> = {};

/** Near-valid bodies: the real field names, usually with a plausible value, sometimes with any JSON. */
function nearValid(fields: string[]) {
  return fc.record(
    Object.fromEntries(
      fields.map((field) => [
        field,
        fc.oneof(
          { arbitrary: good[field] ?? fc.jsonValue({ maxDepth: 1 }), weight: 4 },
          { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
        ),
      ]),
    ),
    { requiredKeys: [] },
  );
}

describe.each(databaseKinds)("native API under arbitrary JSON (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let routes: Array<{ method: "POST" | "PATCH" | "PUT"; url: string; fields: string[] }>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api);
    const user = await api.post<{ id: string }>("/v1/users", { email: "member@example.com" });
    await api.post(`/v1/organizations/${organizationId}/members`, { userId: user.body.id });
    const role = await api.post<{ id: string }>("/v1/roles", { name: "viewer" });
    const inv = await api.post<{ id: string; acceptUrl: string }>("/v1/invitations", { organizationId, email: "pending@example.com" });
    const token = new URL(inv.body.acceptUrl).searchParams.get("token") ?? "";
    Object.assign(good, {
      organizationId: fc.constantFrom(organizationId, "org_unknown"),
      email: fc.oneof(fc.emailAddress(), fc.constantFrom("member@example.com", "pending@example.com", "bad@", "")),
      emails: fc.array(fc.oneof(fc.emailAddress(), fc.constant("nope")), { minLength: 0, maxLength: 5 }),
      roleIds: fc.constantFrom([], [role.body.id], ["role_unknown"], [role.body.id, role.body.id]),
      inviterUserId: fc.constantFrom(null, user.body.id, "usr_unknown"),
      userId: fc.constantFrom(user.body.id, "usr_unknown"),
      expiresIn: fc.oneof(fc.integer({ min: -10, max: 40 * 86_400 }), fc.constant(3600)),
      expiresAt: fc.date({ min: new Date(2000, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true }).map((d) => d.toISOString()),
      redirectUrl: fc.constantFrom(null, "https://example.com/welcome", "javascript:alert(1)", "ftp://x"),
      acceptUrl: fc.constantFrom(null, "https://example.com/join?x=1", "not a url"),
      locale: fc.constantFrom(null, "en", "de-AT", "zh-CN", "!!", "x".repeat(40)),
      metadata: fc.oneof(fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })),
      sendEmail: fc.boolean(),
      atomic: fc.boolean(),
      name: fc.string({ minLength: 0, maxLength: 30 }),
      description: fc.oneof(fc.constant(null), fc.string({ maxLength: 30 })),
      scopes: fc.subarray(["invitations:read", "invitations:write", "admin", "platform", "nope"]),
      token: fc.constantFrom(token, "x".repeat(43), ""),
      invitationLifetime: fc.record(
        { defaultSeconds: fc.integer({ min: 0, max: 5e6 }), maxSeconds: fc.integer({ min: 0, max: 5e6 }) },
        { requiredKeys: [] },
      ),
      limits: fc.record(
        { sendsPerRecipientPer10Minutes: fc.integer({ min: -1, max: 100 }), pendingPerOrganization: fc.integer({ min: 0, max: 10_000 }) },
        { requiredKeys: [] },
      ),
      email_settings: fc.constant({}),
      brandName: fc.oneof(fc.constant(null), fc.string({ maxLength: 20 })),
      templates: fc.constant({}),
    });
    const invitationFields = [
      "organizationId",
      "email",
      "roleIds",
      "inviterUserId",
      "expiresIn",
      "expiresAt",
      "redirectUrl",
      "acceptUrl",
      "locale",
      "metadata",
      "sendEmail",
    ];
    routes = [
      { method: "POST", url: "/v1/invitations", fields: invitationFields },
      { method: "POST", url: "/v1/invitations/batch", fields: [...invitationFields, "emails", "atomic"] },
      { method: "POST", url: `/v1/invitations/${inv.body.id}/resend`, fields: ["expiresIn"] },
      { method: "POST", url: `/v1/invitations/${inv.body.id}/accept`, fields: ["userId"] },
      { method: "POST", url: "/v1/organizations", fields: ["name", "description"] },
      { method: "PATCH", url: `/v1/organizations/${organizationId}`, fields: ["name", "description"] },
      { method: "POST", url: `/v1/organizations/${organizationId}/members`, fields: ["userId", "roleIds"] },
      { method: "PUT", url: `/v1/organizations/${organizationId}/members/${user.body.id}/roles`, fields: ["roleIds"] },
      { method: "POST", url: "/v1/roles", fields: ["name", "description"] },
      { method: "POST", url: "/v1/users", fields: ["email", "name"] },
      { method: "POST", url: "/v1/api-keys", fields: ["name", "scopes", "userId"] },
      { method: "POST", url: "/v1/tenants", fields: ["name"] },
      {
        method: "PATCH",
        url: "/v1/settings",
        fields: ["invitationLifetime", "acceptUrl", "locale", "brandName", "limits", "email", "templates"],
      },
      { method: "POST", url: "/v1/public/invitations/preview", fields: ["token"] },
      { method: "POST", url: "/v1/public/invitations/accept", fields: ["token", "name"] },
      { method: "POST", url: "/v1/public/invitations/decline", fields: ["token"] },
    ];
  });
  afterAll(async () => ctx?.close());

  it("answers every body with a 2xx or a 4xx problem, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1_000 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        async (pick, randomBody, mode, seed) => {
          const route = routes[pick % routes.length];
          if (!route) return;
          const body = mode === 0 ? randomBody : fc.sample(nearValid(route.fields), { numRuns: 1, seed })[0];
          const res = await ctx.app.inject({
            method: route.method,
            url: route.url,
            headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode, `${route.method} ${route.url} ${JSON.stringify(body)} → ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
            expect(res.json()).toMatchObject({ status: res.statusCode, code: expect.any(String) });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("answers raw non-JSON bytes with a 4xx problem", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom("application/json", "text/plain", "application/xml", ""),
        async (payload, type) => {
          const res = await ctx.app.inject({
            method: "POST",
            url: "/v1/invitations",
            headers: { authorization: `Bearer ${ctx.adminKey}`, ...(type && { "content-type": type }) },
            payload,
          });
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});
