import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, type TestContext, tokenOf, uniqueEmail } from "../../helpers/harness.js";
import { DAY_MS, type LogtoInvitation, seedLogtoOrganization } from "./helpers.js";

describe.each(databaseKinds)("Logto invitations, happy paths (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string; roleName: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    org = await seedLogtoOrganization(api);
    expect((await api.patch("/v1/settings", { email: { captureIsSender: true } })).status).toBe(200);
  });
  afterAll(async () => ctx?.close());

  it("answers the seed's curl example as Logto does: its expiresAt (42) is in the past", async () => {
    const res = await api.post("/api/organization-invitations", {
      inviterId: "string",
      invitee: "hello@example.com",
      organizationId: "string",
      expiresAt: 42.0,
      organizationRoleIds: ["string"],
      messagePayload: { code: "string", link: "string", locale: "string" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: "request.invalid_input",
      message: "Input is invalid. The value of `expiresAt` must be in the future.",
    });
  });

  it("creates with the seed's body shape and answers the seed's entity", async () => {
    const inviter = await api.post<{ id: string }>("/api/users", { primaryEmail: uniqueEmail("inviter"), name: "Ada" });
    const expiresAt = Date.now() + 3 * DAY_MS;
    const res = await api.post<LogtoInvitation>("/api/organization-invitations", {
      inviterId: inviter.body.id,
      invitee: "Hello@Example.com",
      organizationId: org.organizationId,
      expiresAt,
      organizationRoleIds: [org.roleId],
      messagePayload: { code: "string", link: "https://app.example.com/invitation", locale: "string" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      tenantId: ctx.tenantId,
      id: expect.stringMatching(/^inv_[A-Za-z0-9]{16}$/),
      inviterId: inviter.body.id,
      invitee: "Hello@Example.com",
      acceptedUserId: null,
      organizationId: org.organizationId,
      status: "Pending",
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      expiresAt,
      organizationRoles: [{ id: org.roleId, name: org.roleName }],
    });
    expect(res.body.id.length).toBeLessThanOrEqual(21);
  });

  it("sends no email when messagePayload is false or omitted", async () => {
    for (const messagePayload of [false, undefined]) {
      const invitee = uniqueEmail("quiet");
      const res = await api.post<LogtoInvitation>("/api/organization-invitations", {
        invitee,
        organizationId: org.organizationId,
        expiresAt: Date.now() + DAY_MS,
        ...(messagePayload !== undefined && { messagePayload }),
      });
      expect(res.status).toBe(201);
      const native = await api.get<{ sendCount: number; delivery: unknown }>(`/v1/invitations/${res.body.id}`);
      expect(native.body).toMatchObject({ sendCount: 0, delivery: null });
    }
  });

  it("puts messagePayload.link in the email with the invitation's token, in the requested language", async () => {
    const invitee = uniqueEmail("linked");
    const res = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee,
      organizationId: org.organizationId,
      expiresAt: Date.now() + DAY_MS,
      messagePayload: { link: "https://app.example.com/join?from=mail", locale: "de" },
    });
    expect(res.status).toBe(201);
    await ctx.usher.worker.drain();
    const {
      data: [mail],
    } = await ctx.usher.mailbox.list(ctx.tenantId, { to: invitee, limit: 5 });
    expect(mail?.headers["Content-Language"]).toBe("de");
    const link = /https:\/\/app\.example\.com\/join\?[^\s"<]+/.exec(mail?.text ?? "")?.[0] ?? "";
    expect(new URL(link).searchParams.get("from")).toBe("mail");
    const token = tokenOf(link);
    const preview = await client(ctx.app, null).post<{ invitation: { id: string } }>("/v1/public/invitations/preview", { token });
    expect(preview.body.invitation.id).toBe(res.body.id);
  });

  it("runs the scenario: create, list, resend, accept through status, member listed with the roles", async () => {
    const invitee = uniqueEmail("scenario");
    const expiresAt = Date.now() + 2 * DAY_MS;
    const created = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee,
      organizationId: org.organizationId,
      expiresAt,
      organizationRoleIds: [org.roleId],
      messagePayload: false,
    });
    expect(created.status).toBe(201);

    const listed = await api.get<LogtoInvitation[]>(`/api/organization-invitations?organizationId=${org.organizationId}`);
    expect(listed.status).toBe(200);
    expect(listed.body[0]).toEqual(created.body);

    const resent = await api.post(`/api/organization-invitations/${created.body.id}/message`, { link: "https://app.example.com/accept" });
    expect(resent.status).toBe(204);
    expect(resent.text).toBe("");
    await ctx.usher.worker.drain();
    const {
      data: [mail],
    } = await ctx.usher.mailbox.list(ctx.tenantId, { to: invitee, limit: 5 });
    expect(mail?.text).toContain("https://app.example.com/accept?token=");
    const afterResend = await api.get<LogtoInvitation>(`/api/organization-invitations/${created.body.id}`);
    expect(afterResend.body.expiresAt).toBe(expiresAt);

    const user = await api.post<{ id: string; primaryEmail: string }>("/api/users", { primaryEmail: invitee.toUpperCase(), name: "Grace" });
    expect(user.status).toBe(200);
    expect(user.body.primaryEmail).toBe(invitee);
    const accepted = await api.put<LogtoInvitation>(`/api/organization-invitations/${created.body.id}/status`, {
      status: "Accepted",
      acceptedUserId: user.body.id,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: created.body.id, status: "Accepted", acceptedUserId: user.body.id });
    expect(accepted.body.updatedAt).toBeGreaterThanOrEqual(created.body.updatedAt);

    const members = await api.get<Array<{ id: string; primaryEmail: string; organizationRoles: unknown }>>(
      `/api/organizations/${org.organizationId}/users`,
    );
    expect(members.status).toBe(200);
    expect(members.body.find((m) => m.id === user.body.id)).toMatchObject({
      primaryEmail: invitee,
      organizationRoles: [{ id: org.roleId, name: org.roleName }],
    });
  });

  it("filters by organization, inviter and invitee (any case) and paginates with Total-Number", async () => {
    const { organizationId } = await seedLogtoOrganization(api, "Paging");
    const inviter = await api.post<{ id: string }>("/api/users", { primaryEmail: uniqueEmail("pager") });
    const emails = [uniqueEmail("page"), uniqueEmail("page"), uniqueEmail("page")];
    for (const invitee of emails) {
      const res = await api.post("/api/organization-invitations", {
        invitee,
        organizationId,
        inviterId: inviter.body.id,
        expiresAt: Date.now() + DAY_MS,
      });
      expect(res.status).toBe(201);
    }
    const page1 = await api.get<LogtoInvitation[]>(`/api/organization-invitations?organizationId=${organizationId}&page=1&page_size=2`);
    expect(page1.status).toBe(200);
    expect(page1.headers["total-number"]).toBe("3");
    expect(page1.headers.link).toContain('rel="next"');
    expect(page1.body.map((i) => i.invitee)).toEqual([emails[2], emails[1]]);
    const page2 = await api.get<LogtoInvitation[]>(`/api/organization-invitations?organizationId=${organizationId}&page=2&page_size=2`);
    expect(page2.body.map((i) => i.invitee)).toEqual([emails[0]]);
    const all = await api.get<LogtoInvitation[]>(`/api/organization-invitations?organizationId=${organizationId}`);
    expect(all.body).toHaveLength(3);
    expect(all.headers["total-number"]).toBeUndefined();
    const byInviter = await api.get<LogtoInvitation[]>(`/api/organization-invitations?inviterId=${inviter.body.id}`);
    expect(byInviter.body).toHaveLength(3);
    const byInvitee = await api.get<LogtoInvitation[]>(
      `/api/organization-invitations?invitee=${encodeURIComponent((emails[1] ?? "").toUpperCase())}`,
    );
    expect(byInvitee.body.map((i) => i.invitee)).toEqual([emails[1]]);
  });

  it("revokes through status, shows a declined invitation as Revoked and deletes any status", async () => {
    const create = async () =>
      (
        await api.post<LogtoInvitation>("/api/organization-invitations", {
          invitee: uniqueEmail("ending"),
          organizationId: org.organizationId,
          expiresAt: Date.now() + DAY_MS,
        })
      ).body;
    const toRevoke = await create();
    const revoked = await api.put<LogtoInvitation>(`/api/organization-invitations/${toRevoke.id}/status`, { status: "Revoked" });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("Revoked");

    const toDecline = await create();
    const native = await api.get<{ acceptUrl: string }>(`/v1/invitations/${toDecline.id}`);
    await client(ctx.app, null).post("/v1/public/invitations/decline", { token: tokenOf(native.body.acceptUrl) });
    expect((await api.get<LogtoInvitation>(`/api/organization-invitations/${toDecline.id}`)).body.status).toBe("Revoked");

    const pending = await create();
    for (const id of [pending.id, toRevoke.id, toDecline.id]) {
      expect((await api.delete(`/api/organization-invitations/${id}`)).status).toBe(204);
      expect((await api.get(`/api/organization-invitations/${id}`)).status).toBe(404);
    }
  });

  it("shows an invitation past its expiry as Expired", async () => {
    const res = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee: uniqueEmail("soon"),
      organizationId: org.organizationId,
      expiresAt: Date.now() + 300,
    });
    expect(res.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await api.get<LogtoInvitation>(`/api/organization-invitations/${res.body.id}`)).body.status).toBe("Expired");
  });
});
