import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { DAY_MS, expectLogtoError, type LogtoInvitation, seedLogtoOrganization } from "./helpers.js";

describe.each(databaseKinds)("Logto invitations, error rows (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };
  let otherTenant: Client;
  let otherOrganizationId: string;

  const create = (body: Record<string, unknown>, as: Client = api) =>
    as.post<LogtoInvitation>("/api/organization-invitations", {
      invitee: uniqueEmail("row"),
      organizationId: org.organizationId,
      expiresAt: Date.now() + DAY_MS,
      ...body,
    });

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    org = await seedLogtoOrganization(api);
    expect((await api.patch("/v1/settings", { email: { captureIsSender: true } })).status).toBe(200);
    const tenant = await api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Globex" });
    otherTenant = client(ctx.app, tenant.body.apiKey.key);
    otherOrganizationId = (await seedLogtoOrganization(otherTenant, "Globex Org")).organizationId;
  });
  afterAll(async () => ctx?.close());

  describe("create", () => {
    it.each([
      ["an invalid email", { invitee: "not-an-email" }],
      ["an email without a domain dot", { invitee: "ada@localhost" }],
      ["a missing invitee", { invitee: undefined }],
      ["expiresAt as a string", { expiresAt: "tomorrow" }],
      ["a missing expiresAt", { expiresAt: undefined }],
      ["an organizationId longer than 21", { organizationId: "o".repeat(22) }],
      ["an empty organizationId", { organizationId: "" }],
      ["an inviterId longer than 21", { inviterId: "u".repeat(22) }],
      ["organizationRoleIds not an array", { organizationRoleIds: "role" }],
      ["messagePayload true", { messagePayload: true }],
      ["messagePayload null", { messagePayload: null }],
      ["a messagePayload link that is not a URL", { messagePayload: { link: "string" } }],
    ])("answers 400 guard.invalid_input for %s", async (_name, body) => {
      const res = await create(body);
      expectLogtoError(res, 400, "guard.invalid_input");
      expect(res.body).toMatchObject({ message: "The request body is invalid.", data: { issues: expect.any(Array) } });
    });

    it.each([
      ["in the past", () => Date.now() - 1000],
      ["now-ish (epoch 42, as the seed)", () => 42],
      ["beyond the tenant's maximum lifetime", () => Date.now() + 31 * DAY_MS],
    ])("answers 400 request.invalid_input for expiresAt %s", async (_name, expiresAt) => {
      const res = await create({ expiresAt: expiresAt() });
      expectLogtoError(res, 400, "request.invalid_input");
      expect((res.body as unknown as { message: string }).message).toMatch(/^Input is invalid\. The value of `expiresAt`/);
    });

    it("answers 422 request.invalid_input when the invitee is already a member", async () => {
      const email = uniqueEmail("member");
      const user = await api.post<{ id: string }>("/api/users", { primaryEmail: email });
      expect((await api.post(`/api/organizations/${org.organizationId}/users`, { userIds: [user.body.id] })).status).toBe(201);
      expectLogtoError(await create({ invitee: email.toUpperCase() }), 422, "request.invalid_input");
    });

    it("answers 422 entity.unique_integrity_violation for a second pending invitation, whatever the case", async () => {
      const email = uniqueEmail("dup");
      expect((await create({ invitee: email })).status).toBe(201);
      const res = await create({ invitee: email.toUpperCase() });
      expectLogtoError(res, 422, "entity.unique_integrity_violation");
    });

    it("lets exactly one of concurrent duplicate creates through", async () => {
      const email = uniqueEmail("race");
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => create({ invitee: i % 2 ? email.toUpperCase() : email })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      for (const answer of answers.filter((a) => a.status !== 201)) expectLogtoError(answer, 422, "entity.unique_integrity_violation");
    });

    it.each([
      ["an unknown organization", () => ({ organizationId: "org_doesnotexist01" })],
      ["another tenant's organization", () => ({ organizationId: otherOrganizationId })],
      ["an unknown role", () => ({ organizationRoleIds: [org.roleId, "role_nope"] })],
      ["an unknown inviter", () => ({ inviterId: "usr_nobody" })],
    ])("answers 422 entity.relation_foreign_key_not_found for %s", async (_name, body) => {
      expectLogtoError(await create(body()), 422, "entity.relation_foreign_key_not_found");
    });

    it("answers 429 request.message_rate_limited past the per-recipient send limit, with Retry-After", async () => {
      expect((await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 1 } })).status).toBe(200);
      try {
        const email = uniqueEmail("limited");
        const second = await seedLogtoOrganization(api, "Second");
        expect((await create({ invitee: email, messagePayload: {} })).status).toBe(201);
        const res = await create({ invitee: email, organizationId: second.organizationId, messagePayload: {} });
        expectLogtoError(res, 429, "request.message_rate_limited");
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
        // Without an email, the recipient's limit does not apply.
        expect((await create({ invitee: email, organizationId: second.organizationId })).status).toBe(201);
      } finally {
        await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
      }
    });

    it("answers 501 connector.not_found when an email is asked for and the tenant has no sender, creating nothing", async () => {
      const email = uniqueEmail("nosender");
      const res = await create({ invitee: email, organizationId: otherOrganizationId, messagePayload: { locale: "en" } }, otherTenant);
      expectLogtoError(res, 501, "connector.not_found");
      expect(res.body).toMatchObject({ message: "Cannot find any available connector for type: Email." });
      const listed = await otherTenant.get<LogtoInvitation[]>(`/api/organization-invitations?invitee=${email}`);
      expect(listed.body).toEqual([]);
      expect((await create({ invitee: email, organizationId: otherOrganizationId, messagePayload: false }, otherTenant)).status).toBe(201);
    });

    it("counts the tenant's SMTP URL as a sender", async () => {
      const tenant = await api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Initech" });
      const initech = client(ctx.app, tenant.body.apiKey.key);
      const { organizationId } = await seedLogtoOrganization(initech, "Initech");
      expectLogtoError(await create({ organizationId, messagePayload: {} }, initech), 501, "connector.not_found");
      expect((await initech.patch("/v1/settings", { email: { smtpUrl: "smtp://127.0.0.1:2525" } })).status).toBe(200);
      expect((await create({ organizationId, messagePayload: {} }, initech)).status).toBe(201);
    });
  });

  describe("status", () => {
    const setStatus = (id: string, body: unknown) => api.put<LogtoInvitation>(`/api/organization-invitations/${id}/status`, body);

    it.each([
      ["no acceptedUserId", {}],
      ["a null acceptedUserId", { acceptedUserId: null }],
    ])("answers 422 request.invalid_input when accepting with %s", async (_name, extra) => {
      const invitation = (await create({})).body;
      expectLogtoError(await setStatus(invitation.id, { status: "Accepted", ...extra }), 422, "request.invalid_input");
    });

    it("answers 404 entity.not_found for an unknown user", async () => {
      const invitation = (await create({})).body;
      expectLogtoError(await setStatus(invitation.id, { status: "Accepted", acceptedUserId: "usr_nobody" }), 404, "entity.not_found");
    });

    it("answers 422 request.invalid_input when the user's email is not the invitee's", async () => {
      const invitation = (await create({})).body;
      const user = await api.post<{ id: string }>("/api/users", { primaryEmail: uniqueEmail("someone-else") });
      expectLogtoError(await setStatus(invitation.id, { status: "Accepted", acceptedUserId: user.body.id }), 422, "request.invalid_input");
      expect((await api.get<LogtoInvitation>(`/api/organization-invitations/${invitation.id}`)).body.status).toBe("Pending");
    });

    it("answers 422 request.invalid_input for an ended invitation", async () => {
      const email = uniqueEmail("ended");
      const user = await api.post<{ id: string }>("/api/users", { primaryEmail: email });
      const invitation = (await create({ invitee: email })).body;
      expect((await setStatus(invitation.id, { status: "Revoked" })).status).toBe(200);
      expectLogtoError(await setStatus(invitation.id, { status: "Accepted", acceptedUserId: user.body.id }), 422, "request.invalid_input");
      expectLogtoError(await setStatus(invitation.id, { status: "Revoked" }), 422, "request.invalid_input");

      const soon = (await create({ invitee: email, expiresAt: Date.now() + 200 })).body;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expectLogtoError(await setStatus(soon.id, { status: "Accepted", acceptedUserId: user.body.id }), 422, "request.invalid_input");
    });

    it.each([
      ["status Pending", { status: "Pending" }],
      ["no status", { acceptedUserId: "usr_x" }],
      ["no body", undefined],
    ])("answers 400 guard.invalid_input for %s", async (_name, body) => {
      const invitation = (await create({})).body;
      expectLogtoError(await setStatus(invitation.id, body), 400, "guard.invalid_input");
    });

    it("answers 404 entity.not_found for an unknown or another tenant's invitation", async () => {
      expectLogtoError(await setStatus("inv_nope", { status: "Revoked" }), 404, "entity.not_found");
      const theirs = (await create({ organizationId: otherOrganizationId }, otherTenant)).body;
      expectLogtoError(await setStatus(theirs.id, { status: "Revoked" }), 404, "entity.not_found");
    });
  });

  describe("resend, get and delete", () => {
    const resend = (id: string, body: unknown = {}, as: Client = api) => as.post(`/api/organization-invitations/${id}/message`, body);

    it("answers 422 request.invalid_input for an invitation that is not pending", async () => {
      const invitation = (await create({})).body;
      await api.put(`/api/organization-invitations/${invitation.id}/status`, { status: "Revoked" });
      expectLogtoError(await resend(invitation.id), 422, "request.invalid_input");
    });

    it("answers 429 request.message_rate_limited past the send limit", async () => {
      expect((await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 2 } })).status).toBe(200);
      try {
        const invitation = (await create({ messagePayload: {} })).body;
        expect((await resend(invitation.id)).status).toBe(204);
        const res = await resend(invitation.id);
        expectLogtoError(res, 429, "request.message_rate_limited");
      } finally {
        await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
      }
    });

    it("answers 501 connector.not_found without a sender and 400 for a link that is not a URL", async () => {
      const theirs = (await create({ organizationId: otherOrganizationId }, otherTenant)).body;
      expectLogtoError(await resend(theirs.id, {}, otherTenant), 501, "connector.not_found");
      const ours = (await create({})).body;
      expectLogtoError(await resend(ours.id, { link: "/relative" }), 400, "guard.invalid_input");
    });

    it("answers 404 entity.not_found for unknown ids on get, delete and resend", async () => {
      expectLogtoError(await api.get("/api/organization-invitations/inv_nope"), 404, "entity.not_found");
      expectLogtoError(await api.delete("/api/organization-invitations/inv_nope"), 404, "entity.not_found");
      expectLogtoError(await resend("inv_nope"), 404, "entity.not_found");
    });

    it("answers 400 guard.invalid_pagination for bad page values", async () => {
      for (const query of ["page=0", "page=abc", "page_size=0", "page_size=101", "page=1.5"]) {
        expectLogtoError(await api.get(`/api/organization-invitations?${query}`), 400, "guard.invalid_pagination");
      }
    });
  });
});
