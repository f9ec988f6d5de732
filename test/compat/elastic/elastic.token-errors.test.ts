import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, databaseKinds, type TestContext, tokenOf, uniqueEmail } from "../../helpers/harness.js";
import { boundUser, elasticClient, expectFailure, failureMessages, seedElastic } from "./helpers.js";

const NOT_FOUND = [{ code: "organization.invitation_not_found" }];
const INVALID_AUTH = [{ code: "root.invalid_authentication" }];
const UNKNOWN_TOKEN = "A".repeat(43);

describe.each(databaseKinds)("Elastic dialect, token errors: get, delete, accept (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  const invite = async (email: string, organizationId = seed.organizationId) => {
    const res = await seed.api.create(organizationId, { emails: [email] });
    const token = res.body.invitations[0]?.token;
    if (!token) throw new Error(`create failed: ${res.text}`);
    return token;
  };

  it("get: 404 for an unknown, malformed, revoked or declined token", async () => {
    expectFailure(await seed.api.get(UNKNOWN_TOKEN), 404, NOT_FOUND);
    expectFailure(await seed.api.get("x".repeat(500)), 404, NOT_FOUND);
    expectFailure(await seed.api.get("%00"), 404, NOT_FOUND);
    const revoked = uniqueEmail("revoked");
    const made = await seed.admin.post<{ id: string; acceptUrl: string }>("/v1/invitations", {
      organizationId: seed.organizationId,
      email: revoked,
    });
    expect((await seed.admin.post(`/v1/invitations/${made.body.id}/revoke`)).status).toBe(200);
    expectFailure(await seed.api.get(tokenOf(made.body.acceptUrl)), 404, NOT_FOUND);
    const declined = await seed.admin.post<{ acceptUrl: string }>("/v1/invitations", {
      organizationId: seed.organizationId,
      email: uniqueEmail("d"),
    });
    expect((await seed.admin.post("/v1/public/invitations/decline", { token: tokenOf(declined.body.acceptUrl) })).status).toBe(200);
    expectFailure(await seed.api.get(tokenOf(declined.body.acceptUrl)), 404, NOT_FOUND);
  });

  it("get: 404 for another tenant's token", async () => {
    const token = await invite(uniqueEmail("tenant"));
    const tenant = await seed.admin.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Elsewhere" });
    const other = elasticClient(ctx.app, tenant.body.apiKey.key);
    expectFailure(await other.get(token), 404, NOT_FOUND);
    expectFailure(await other.accept(token), 403, INVALID_AUTH);
  });

  it("delete: 400 root.invalid_data when no token is usable", async () => {
    for (const list of [",", ",,,", " , "]) {
      const res = await seed.api.call("DELETE", `/organizations/${seed.organizationId}/invitations/${encodeURIComponent(list)}`);
      expectFailure(res, 400, [{ code: "root.invalid_data", fields: ["invitation_tokens"] }]);
    }
  });

  it("delete: 404 listing each unknown token, and nothing is deleted", async () => {
    const [a, b] = [await invite(uniqueEmail("keep")), await invite(uniqueEmail("keep"))];
    const res = await seed.api.remove(seed.organizationId, [a, UNKNOWN_TOKEN, b, "nope"]);
    expectFailure(res, 404, [
      { code: "organization.invitation_not_found", fields: ["invitation_tokens[1]"] },
      { code: "organization.invitation_not_found", fields: ["invitation_tokens[3]"] },
    ]);
    expect((await seed.api.get(a)).status).toBe(200);
    expect((await seed.api.get(b)).status).toBe(200);
  });

  it("delete: a token of another organization is unknown here; an unknown organization is 404", async () => {
    const { organizationId: otherOrg } = await seedElastic(ctx, "Other org");
    const token = await invite(uniqueEmail("other"), otherOrg);
    expectFailure(await seed.api.remove(seed.organizationId, [token]), 404, [
      { code: "organization.invitation_not_found", fields: ["invitation_tokens[0]"] },
    ]);
    expectFailure(await seed.api.remove("org_unknown", [token]), 404, [{ code: "organization.not_found" }]);
    expect((await seed.api.get(token)).status).toBe(200);
  });

  it("accept: 403 without a key, with a key bound to no user, or to a user of another email", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    const token = await invite(invitee.email);
    expectFailure(await elasticClient(ctx.app, null).accept(token), 403, INVALID_AUTH);
    expectFailure(await seed.api.accept(token), 403, INVALID_AUTH);
    const stranger = await boundUser(seed.admin, ctx.app);
    expectFailure(await stranger.api.accept(token), 403, INVALID_AUTH);
    expect((await seed.api.get(token)).body.accepted_at).toBeUndefined();
  });

  it("accept: 400 organization.user_organization_already_belongs when the invitee joined meanwhile", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    const token = await invite(invitee.email);
    expect((await seed.admin.post(`/v1/organizations/${seed.organizationId}/members`, { userId: invitee.userId })).status).toBe(201);
    expectFailure(await invitee.api.accept(token), 400, [{ code: "organization.user_organization_already_belongs" }]);
  });

  it("accept: 404 for an unknown, revoked or already used token", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    expectFailure(await invitee.api.accept(UNKNOWN_TOKEN), 404, NOT_FOUND);
    const token = await invite(invitee.email);
    expect((await invitee.api.accept(token)).status).toBe(200);
    expectFailure(await invitee.api.accept(token), 404, NOT_FOUND);

    const other = await boundUser(seed.admin, ctx.app);
    const made = await seed.admin.post<{ id: string; acceptUrl: string }>("/v1/invitations", {
      organizationId: seed.organizationId,
      email: other.email,
    });
    expect((await seed.admin.post(`/v1/invitations/${made.body.id}/revoke`)).status).toBe(200);
    expectFailure(await other.api.accept(tokenOf(made.body.acceptUrl)), 404, NOT_FOUND);
  });

  it("answers unknown routes and methods under the prefix with 404 root.resource_not_found", async () => {
    const token = await invite(uniqueEmail("route"));
    for (const [method, url] of [
      ["GET", "/organizations"],
      ["GET", `/organizations/invitations/${token}/_accept`],
      ["POST", `/organizations/invitations/${token}/_decline`],
      ["POST", `/organizations/invitations/${token}`],
      ["PUT", `/organizations/${seed.organizationId}/invitations`],
      ["GET", "/deployments"],
    ] as const) {
      expectFailure(await seed.api.call(method, url), 404, [{ code: "root.resource_not_found" }]);
    }
  });

  it("answers router-level failures (a broken escape, an over-long path segment) as BasicFailedReply", async () => {
    const broken = await seed.api.call("GET", "/organizations/invitations/%zz");
    expectFailure(broken, 400, [{ code: "root.invalid_data" }]);
    expect(failureMessages(broken)).toEqual(["the URL is not valid"]);
    expectFailure(await seed.api.call("GET", `/organizations/${"o".repeat(300)}/invitations`), 400, [{ code: "root.invalid_data" }]);
    // Outside the prefix Fastify's own answer stays.
    const native = await ctx.app.inject({
      method: "GET",
      url: "/v1/invitations/%zz",
      headers: { authorization: `Bearer ${ctx.adminKey}` },
    });
    expect(native.statusCode).toBe(400);
    expect(native.headers["x-cloud-error-codes"]).toBeUndefined();
  });
});
