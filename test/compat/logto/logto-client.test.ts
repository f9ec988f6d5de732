import { createManagementApi } from "@logto/api/management";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../../src/events/event-service.js";
import { createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { DAY_MS } from "./helpers.js";

/**
 * The scenario driven by Logto's own typed Management API client (`@logto/api`) against an
 * Usher server on a real port: only the endpoint and the credentials change.
 */
describe.each(databaseKinds)("Logto's @logto/api management client against Usher (%s)", (kind) => {
  let ctx: TestContext;
  let apiClient: ReturnType<typeof createManagementApi>["apiClient"];
  let clientCredentials: ReturnType<typeof createManagementApi>["clientCredentials"];

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    await ctx.usher.settings.update(ctx.tenantId, SYSTEM_ACTOR, { email: { captureIsSender: true } });
    const address = await ctx.app.listen({ port: 0, host: "127.0.0.1" });
    const [clientId = "", clientSecret = ""] = ctx.adminKey.split(".");
    // The tenant id only names the default token resource, https://default.logto.app/api.
    ({ apiClient, clientCredentials } = createManagementApi("default", { clientId, clientSecret, baseUrl: address }));
  });
  afterAll(async () => ctx?.close());

  it("obtains an access token for the Management API with the 'all' scope", async () => {
    const token = await clientCredentials.getAccessToken();
    expect(token.scope).toBe("all");
    expect(token.value.split(".")).toHaveLength(3);
    expect(token.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  });

  it("creates, lists, resends and accepts an invitation, and the user is then a member", async () => {
    const organization = await apiClient.POST("/api/organizations", { body: { name: "Acme via Logto client" } });
    expect(organization.response.status).toBe(201);
    const organizationId = organization.data?.id ?? "";
    const role = await apiClient.POST("/api/organization-roles", {
      body: { name: "viewer", organizationScopeIds: [], resourceScopeIds: [] },
    });
    expect(role.response.status).toBe(201);
    const roleId = role.data?.id ?? "";

    const invitee = uniqueEmail("sdk");
    const expiresAt = Date.now() + 7 * DAY_MS;
    const created = await apiClient.POST("/api/organization-invitations", {
      body: { invitee, organizationId, expiresAt, organizationRoleIds: [roleId], messagePayload: false },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({
      invitee,
      organizationId,
      expiresAt,
      status: "Pending",
      organizationRoles: [{ id: roleId, name: "viewer" }],
    });
    const id = created.data?.id ?? "";

    const listed = await apiClient.GET("/api/organization-invitations", { params: { query: { organizationId } } });
    expect(listed.data?.map((i) => i.id)).toEqual([id]);
    const got = await apiClient.GET("/api/organization-invitations/{id}", { params: { path: { id } } });
    expect(got.data).toEqual(created.data);

    const resent = await apiClient.POST("/api/organization-invitations/{id}/message", {
      params: { path: { id } },
      body: { link: "https://app.example.com/invitations", locale: "fr" },
    });
    expect(resent.response.status).toBe(204);
    await ctx.usher.worker.drain();
    const {
      data: [mail],
    } = await ctx.usher.mailbox.list(ctx.tenantId, { to: invitee, limit: 1 });
    expect(mail?.text).toContain("https://app.example.com/invitations?token=");

    const user = await apiClient.POST("/api/users", { body: { primaryEmail: invitee, name: "Sam" } });
    expect(user.response.status).toBe(200);
    const userId = user.data?.id ?? "";
    const accepted = await apiClient.PUT("/api/organization-invitations/{id}/status", {
      params: { path: { id } },
      body: { status: "Accepted", acceptedUserId: userId },
    });
    expect(accepted.data).toMatchObject({ id, status: "Accepted", acceptedUserId: userId });

    const members = await apiClient.GET("/api/organizations/{id}/users", { params: { path: { id: organizationId } } });
    expect(members.data?.map((m) => ({ id: m.id, roles: m.organizationRoles }))).toEqual([
      { id: userId, roles: [{ id: roleId, name: "viewer" }] },
    ]);
  });

  it("reports Usher's errors in Logto's envelope to the client", async () => {
    const organization = await apiClient.POST("/api/organizations", { body: { name: "Errors" } });
    const organizationId = organization.data?.id ?? "";
    const invitee = uniqueEmail("sdk-dup");
    const body = { invitee, organizationId, expiresAt: Date.now() + DAY_MS, messagePayload: false as const };
    expect((await apiClient.POST("/api/organization-invitations", { body })).response.status).toBe(201);
    const duplicate = await apiClient.POST("/api/organization-invitations", { body: { ...body, invitee: invitee.toUpperCase() } });
    expect(duplicate.response.status).toBe(422);
    expect(duplicate.error).toMatchObject({ code: "entity.unique_integrity_violation" });
    const missing = await apiClient.GET("/api/organization-invitations/{id}", { params: { path: { id: "inv_missing" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ code: "entity.not_found" });
    const deleted = await apiClient.DELETE("/api/organization-invitations/{id}", {
      params: {
        path: { id: (await apiClient.GET("/api/organization-invitations", { params: { query: { invitee } } })).data?.[0]?.id ?? "" },
      },
    });
    expect(deleted.response.status).toBe(204);
  });
});
