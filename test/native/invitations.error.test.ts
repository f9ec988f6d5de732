import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

type Inv = { id: string; acceptUrl: string | null };

describe.each(databaseKinds)("native invitations, error cases (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api);
  });
  afterAll(async () => ctx?.close());

  const cases: Array<{ name: string; body: () => unknown; status: number; code: string; path?: string }> = [
    { name: "missing email", body: () => ({ organizationId: org.organizationId }), status: 400, code: "validation_failed", path: "/email" },
    {
      name: "invalid email",
      body: () => ({ organizationId: org.organizationId, email: "not-an-email" }),
      status: 400,
      code: "validation_failed",
      path: "/email",
    },
    {
      name: "unknown field",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), colour: "red" }),
      status: 400,
      code: "validation_failed",
      path: "/colour",
    },
    {
      name: "wrong type",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), expiresIn: "3600" }),
      status: 400,
      code: "validation_failed",
      path: "/expiresIn",
    },
    {
      name: "expiry beyond the tenant maximum",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), expiresIn: 31 * 86_400 }),
      status: 400,
      code: "validation_failed",
      path: "/expiresIn",
    },
    {
      name: "expiresAt in the past",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), expiresAt: "2001-01-01T00:00:00Z" }),
      status: 400,
      code: "validation_failed",
      path: "/expiresAt",
    },
    {
      name: "javascript: redirect URL",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), redirectUrl: "javascript:alert(1)" }),
      status: 400,
      code: "validation_failed",
      path: "/redirectUrl",
    },
    {
      name: "unknown organization",
      body: () => ({ organizationId: "org_nope", email: uniqueEmail() }),
      status: 404,
      code: "organization_not_found",
    },
    {
      name: "unknown role",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), roleIds: ["role_nope"] }),
      status: 404,
      code: "role_not_found",
      path: "/roleIds/0",
    },
    {
      name: "unknown inviter",
      body: () => ({ organizationId: org.organizationId, email: uniqueEmail(), inviterUserId: "usr_nope" }),
      status: 404,
      code: "user_not_found",
    },
  ];

  it.each(cases)("POST /v1/invitations: $name → $status $code", async ({ body, status, code, path }) => {
    const res = await api.post<{ code: string; status: number; type: string; title: string; errors?: Array<{ path: string }> }>(
      "/v1/invitations",
      body(),
    );
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: `urn:usher:problem:${code}` });
    expect(res.body.title).toEqual(expect.any(String));
    if (path) expect(res.body.errors?.map((e) => e.path)).toContain(path);
  });

  it("refuses a duplicate pending invitation with 409 and accepts nothing twice", async () => {
    const email = uniqueEmail("dup");
    expect((await api.post("/v1/invitations", { organizationId: org.organizationId, email })).status).toBe(201);
    const dup = await api.post("/v1/invitations", { organizationId: org.organizationId, email: email.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: "duplicate_pending_invitation" });
  });

  it("refuses to invite a member, at creation and again at acceptance", async () => {
    const email = uniqueEmail("member");
    const pending = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email });
    const user = await api.post<{ id: string }>("/v1/users", { email });
    expect((await api.post(`/v1/organizations/${org.organizationId}/members`, { userId: user.body.id })).status).toBe(201);
    const create = await api.post("/v1/invitations", { organizationId: org.organizationId, email });
    expect(create.status).toBe(409);
    expect(create.body).toMatchObject({ code: "invitee_already_member" });
    const accept = await client(ctx.app, null).post("/v1/public/invitations/accept", { token: tokenOf(pending.body.acceptUrl) });
    expect(accept.status).toBe(409);
    expect(accept.body).toMatchObject({ code: "invitee_already_member" });
    expect((await api.get<{ status: string }>(`/v1/invitations/${pending.body.id}`)).body.status).toBe("pending");
  });

  it("refuses admin acceptance for a user with another email", async () => {
    const inv = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail("mismatch") });
    const other = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("other") });
    const res = await api.post(`/v1/invitations/${inv.body.id}/accept`, { userId: other.body.id });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "invitee_email_mismatch" });
  });

  it("answers lifecycle conflicts: resend or revoke of an ended invitation, delete of a pending one", async () => {
    const inv = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail("ended") });
    const del = await api.delete(`/v1/invitations/${inv.body.id}`);
    expect(del.status).toBe(409);
    expect(del.body).toMatchObject({ code: "invitation_pending" });
    expect((await api.post(`/v1/invitations/${inv.body.id}/revoke`)).status).toBe(200);
    for (const action of ["revoke", "resend"]) {
      const res = await api.post(`/v1/invitations/${inv.body.id}/${action}`);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: "invitation_not_pending", detail: "the invitation is revoked" });
    }
  });

  it("answers unknown tokens the same way, whatever they look like", async () => {
    const anonymous = client(ctx.app, null);
    const shapes = ["x", "A".repeat(43), "not a token at all but long enough"];
    for (const token of shapes) {
      const res = await anonymous.post("/v1/public/invitations/accept", { token }, { "x-forwarded-for": "198.51.100.1" });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: "invitation_not_found", detail: "no invitation matches this token" });
    }
  });

  it("answers malformed JSON, wrong content type, oversized bodies and unknown routes with problems", async () => {
    const bad = await ctx.app.inject({
      method: "POST",
      url: "/v1/invitations",
      headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "application/json" },
      payload: "{nope",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "malformed_request" });
    const text = await ctx.app.inject({
      method: "POST",
      url: "/v1/invitations",
      headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "text/plain" },
      payload: "hello",
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: "unsupported_media_type" });
    const big = await ctx.app.inject({
      method: "POST",
      url: "/v1/invitations",
      headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "application/json" },
      payload: JSON.stringify({ organizationId: "x", email: "a@b.co", metadata: { blob: "x".repeat(1_100_000) } }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: "payload_too_large" });
    const none = await api.get("/v1/nothing-here");
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ code: "route_not_found" });
  });

  it("reports the send limit as 429 with Retry-After", async () => {
    const { organizationId } = await seedOrganization(api, "Limited");
    expect((await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 2 } })).status).toBe(200);
    try {
      const email = uniqueEmail("limited");
      const inv = await api.post<Inv>("/v1/invitations", { organizationId, email });
      expect((await api.post(`/v1/invitations/${inv.body.id}/resend`)).status).toBe(200);
      const third = await api.post(`/v1/invitations/${inv.body.id}/resend`);
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ code: "send_limit_exceeded", limit: "sendsPerRecipientPer10Minutes" });
      expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
    }
  });

  it("reports the creation and pending limits per organization as 429", async () => {
    const { organizationId } = await seedOrganization(api, "Capped");
    await api.patch("/v1/settings", { limits: { pendingPerOrganization: 2 } });
    try {
      expect((await api.post("/v1/invitations/batch", { organizationId, emails: [uniqueEmail(), uniqueEmail()] })).status).toBe(201);
      const over = await api.post("/v1/invitations", { organizationId, email: uniqueEmail() });
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ code: "pending_limit_exceeded" });
    } finally {
      await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10_000 } });
    }
    const other = await seedOrganization(api, "Hourly");
    await api.patch("/v1/settings", { limits: { invitationsPerOrganizationPerHour: 3 } });
    try {
      const batch = await api.post("/v1/invitations/batch", {
        organizationId: other.organizationId,
        emails: [uniqueEmail(), uniqueEmail(), uniqueEmail(), uniqueEmail()],
      });
      expect(batch.status).toBe(429);
      expect(batch.body).toMatchObject({ code: "creation_limit_exceeded", limit: "invitationsPerOrganizationPerHour" });
      expect(batch.headers["retry-after"]).toBeDefined();
    } finally {
      await api.patch("/v1/settings", { limits: { invitationsPerOrganizationPerHour: 10_000 } });
    }
  });

  it("rejects an atomic batch with one bad email and creates nothing; a per-item batch creates the rest", async () => {
    const { organizationId } = await seedOrganization(api, "Batches");
    const good = uniqueEmail("good");
    const atomic = await api.post<{ code: string; errors: Array<{ path: string; code: string }> }>("/v1/invitations/batch", {
      organizationId,
      emails: [good, "broken@", uniqueEmail()],
    });
    expect(atomic.status).toBe(400);
    expect(atomic.body.errors).toEqual([{ path: "/emails/1", message: "must be a valid email address", code: "validation_failed" }]);
    expect((await api.get<{ data: unknown[] }>(`/v1/invitations?organizationId=${organizationId}`)).body.data).toHaveLength(0);
    const loose = await api.post<{ created: number; failed: number; results: Array<{ status: string; error?: { code: string } }> }>(
      "/v1/invitations/batch",
      { organizationId, emails: [good, "broken@", good.toUpperCase()], atomic: false },
    );
    expect(loose.status).toBe(200);
    expect(loose.body).toMatchObject({ created: 1, failed: 1 });
    expect(loose.body.results[1]).toMatchObject({ status: "failed", error: { code: "validation_failed" } });
  });
});
