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

type Inv = Record<string, unknown> & { id: string; acceptUrl: string | null; status: string; email: string };

describe.each(databaseKinds)("native invitations, happy paths (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api);
  });
  afterAll(async () => ctx?.close());

  it("creates a pending invitation with a normalized email, roles and an accept link", async () => {
    const res = await api.post<Inv>("/v1/invitations", {
      organizationId: org.organizationId,
      email: "  Alice@Example.COM ",
      roleIds: [org.roleId],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      organizationId: org.organizationId,
      email: "alice@example.com",
      roleIds: [org.roleId],
      status: "pending",
      inviterUserId: null,
      acceptedAt: null,
      // The capture mailbox stores the email in the creating transaction (ADR 0054).
      delivery: { status: "sent", attempts: 1, lastError: null },
    });
    expect(res.body.id).toMatch(/^inv_[A-Za-z0-9]{16}$/);
    expect(res.body.acceptUrl).toMatch(/^http:\/\/usher\.test\/accept\?token=[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(res.body.expiresAt as string) - Date.parse(res.body.createdAt as string);
    expect(expires).toBe(7 * 86_400_000);
  });

  it("gets, lists with filters and paginates newest first with a total", async () => {
    const emails = [uniqueEmail("page"), uniqueEmail("page"), uniqueEmail("page")];
    const { organizationId } = await seedOrganization(api, "Paging");
    for (const email of emails) expect((await api.post("/v1/invitations", { organizationId, email, sendEmail: false })).status).toBe(201);
    const first = await api.get<{ data: Inv[]; nextCursor: string | null; total: number }>(
      `/v1/invitations?organizationId=${organizationId}&limit=2&includeTotal=true`,
    );
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.data.map((i) => i.email)).toEqual([emails[2], emails[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.get<{ data: Inv[]; nextCursor: string | null }>(
      `/v1/invitations?organizationId=${organizationId}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.data.map((i) => i.email)).toEqual([emails[0]]);
    expect(second.body.nextCursor).toBeNull();
    const byEmail = await api.get<{ data: Inv[] }>(`/v1/invitations?email=${encodeURIComponent(emails[1]?.toUpperCase() ?? "")}`);
    expect(byEmail.body.data).toHaveLength(1);
    const got = await api.get<Inv>(`/v1/invitations/${byEmail.body.data[0]?.id}`);
    expect(got.status).toBe(200);
    expect(got.body.email).toBe(emails[1]);
  });

  it("lets the invitee preview and accept by token, creating the user and the membership with roles", async () => {
    const email = uniqueEmail("accept");
    const created = await api.post<Inv>("/v1/invitations", {
      organizationId: org.organizationId,
      email,
      roleIds: [org.roleId],
      redirectUrl: "https://app.example.com/welcome",
    });
    const token = tokenOf(created.body.acceptUrl);
    const anonymous = client(ctx.app, null);
    const preview = await anonymous.post<Record<string, unknown>>("/v1/public/invitations/preview", { token });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      organization: { id: org.organizationId, name: "Acme" },
      invitation: { status: "pending", email },
    });
    const accepted = await anonymous.post<{ invitation: Inv; membership: { userId: string; roleIds: string[] }; redirectUrl: string }>(
      "/v1/public/invitations/accept",
      { token, name: "Ada" },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.invitation.status).toBe("accepted");
    expect(accepted.body.invitation.acceptUrl).toBeNull();
    expect(accepted.body.membership.roleIds).toEqual([org.roleId]);
    expect(accepted.body.redirectUrl).toBe("https://app.example.com/welcome");
    const users = await api.get<{ data: Array<{ id: string; name: string }> }>(`/v1/users?email=${email}`);
    expect(users.body.data[0]).toMatchObject({ id: accepted.body.membership.userId, name: "Ada" });
    const members = await api.get<{ data: Array<{ userId: string }> }>(`/v1/organizations/${org.organizationId}/members`);
    expect(members.body.data.map((m) => m.userId)).toContain(accepted.body.membership.userId);
    const again = await anonymous.post("/v1/public/invitations/accept", { token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "invitation_not_pending" });
  });

  it("accepts on behalf of an existing user whose email matches", async () => {
    const email = uniqueEmail("admin-accept");
    const user = await api.post<{ id: string }>("/v1/users", { email: email.toUpperCase(), name: "Grace" });
    const created = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email });
    const res = await api.post<{ invitation: Inv; membership: { userId: string } }>(`/v1/invitations/${created.body.id}/accept`, {
      userId: user.body.id,
    });
    expect(res.status).toBe(200);
    expect(res.body.invitation).toMatchObject({ status: "accepted", acceptedUserId: user.body.id });
  });

  it("declines, revokes, resends and deletes through the lifecycle", async () => {
    const anonymous = client(ctx.app, null);
    const toDecline = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail("decline") });
    const declined = await anonymous.post<Inv>("/v1/public/invitations/decline", { token: tokenOf(toDecline.body.acceptUrl) });
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe("declined");

    const toRevoke = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail("revoke") });
    const resent = await api.post<Inv>(`/v1/invitations/${toRevoke.body.id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.sendCount).toBe(2);
    const revoked = await api.post<Inv>(`/v1/invitations/${toRevoke.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: "revoked", acceptUrl: null });
    expect((await anonymous.post("/v1/public/invitations/accept", { token: tokenOf(toRevoke.body.acceptUrl) })).status).toBe(409);
    expect((await api.delete(`/v1/invitations/${toRevoke.body.id}`)).status).toBe(204);
    expect((await api.get(`/v1/invitations/${toRevoke.body.id}`)).status).toBe(404);

    const events = await api.get<{ data: Array<{ type: string; actor: { type: string; id: string } }> }>(
      `/v1/events?invitationId=${toRevoke.body.id}`,
    );
    expect(events.body.data.map((e) => e.type)).toEqual([
      "invitation.deleted",
      "invitation.revoked",
      "invitation.resent",
      "invitation.email_sent",
      "invitation.created",
    ]);
    expect(events.body.data[0]?.actor).toEqual({ type: "api_key", id: "key_testadmin" });
  });

  it("creates a batch atomically, merging repeated emails", async () => {
    const { organizationId } = await seedOrganization(api, "Batch");
    const a = uniqueEmail("batch");
    const b = uniqueEmail("batch");
    const res = await api.post<{ created: number; results: Array<{ email: string; status: string }> }>("/v1/invitations/batch", {
      organizationId,
      emails: [a, b, a.toUpperCase()],
    });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(2);
    expect(res.body.results.map((r) => r.email)).toEqual([a, b]);
  });

  it("creates 1,000 invitations in one batch and refuses 1,001", async () => {
    const { organizationId } = await seedOrganization(api, "Thousand");
    const emails = Array.from({ length: 1000 }, (_, i) => `k${i}.${organizationId}@example.com`);
    const res = await api.post<{ created: number; results: Array<{ invitation: Inv }> }>("/v1/invitations/batch", {
      organizationId,
      emails,
      sendEmail: false,
    });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(1000);
    expect(new Set(res.body.results.map((r) => r.invitation.id)).size).toBe(1000);
    const total = await api.get<{ total: number }>(`/v1/invitations?organizationId=${organizationId}&includeTotal=true&limit=1`);
    expect(total.body.total).toBe(1000);
    const tooMany = await api.post("/v1/invitations/batch", { organizationId, emails: [...emails, "one-more@example.com"] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ code: "validation_failed" });
  });

  it("answers a repeated Idempotency-Key with the first answer and creates nothing more", async () => {
    const body = { organizationId: org.organizationId, email: uniqueEmail("idem") };
    const first = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "abc-1" });
    const second = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "abc-1" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const other = await api.post("/v1/invitations", { ...body, email: uniqueEmail("idem") }, { "idempotency-key": "abc-1" });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: "idempotency_key_reused" });
  });

  it("keeps no answer but a 2xx under an Idempotency-Key: after a refused create the key is free again", async () => {
    const body = { organizationId: org.organizationId, email: uniqueEmail("idem-free") };
    const refused = await api.post("/v1/invitations", { ...body, organizationId: "org_doesnotexist" }, { "idempotency-key": "free-1" });
    expect(refused.status).toBe(404);
    const created = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "free-1" });
    expect(created.status).toBe(201);
    const again = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "free-1" });
    expect(again.body.id).toBe(created.body.id);
  });

  it("lets a new invitation replace an expired one for the same email", async () => {
    const email = uniqueEmail("expired");
    const first = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email, expiresIn: 1 });
    expect(first.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api.get<Inv>(`/v1/invitations/${first.body.id}`)).body.status).toBe("expired");
    const accept = await client(ctx.app, null).post("/v1/public/invitations/accept", { token: tokenOf(first.body.acceptUrl) });
    expect(accept.status).toBe(410);
    expect(accept.body).toMatchObject({ code: "invitation_expired" });
    const second = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });
});
