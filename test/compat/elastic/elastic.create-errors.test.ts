import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { boundUser, type ElasticClient, elasticClient, expectFailure, failureMessages, seedElastic } from "./helpers.js";

const INVALID_EMAIL = "organization.invitation_invalid_email";
const INVALID_DATA = "root.invalid_data";

describe.each(databaseKinds)("Elastic dialect, create errors (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  const openEmails = async (organizationId: string) => (await seed.api.list(organizationId)).body.invitations.map((i) => i.email);

  it("lists every malformed email with its position and creates nothing", async () => {
    const { organizationId } = await seedElastic(ctx, "Malformed");
    const good = uniqueEmail("good");
    const res = await seed.api.create(organizationId, {
      emails: [good, "not-an-email", 42, "nul\u0000@example.com", null, "two@@example.com", `${"x".repeat(300)}@example.com`],
    });
    expectFailure(res, 400, [
      { code: INVALID_EMAIL, fields: ["emails[1]"] },
      { code: INVALID_EMAIL, fields: ["emails[2]"] },
      { code: INVALID_EMAIL, fields: ["emails[3]"] },
      { code: INVALID_EMAIL, fields: ["emails[4]"] },
      { code: INVALID_EMAIL, fields: ["emails[5]"] },
      { code: INVALID_EMAIL, fields: ["emails[6]"] },
    ]);
    expect(failureMessages(res)[0]).toBe("Invitation email was not valid.");
    expect(await openEmails(organizationId)).toEqual([]);
  });

  it("refuses emails with a pending invitation, listing each, and creates none of the others", async () => {
    const { organizationId } = await seedElastic(ctx, "Pending");
    const [a, b, c, d] = [uniqueEmail("p"), uniqueEmail("p"), uniqueEmail("p"), uniqueEmail("p")];
    expect((await seed.api.create(organizationId, { emails: [a, c] })).status).toBe(201);
    const res = await seed.api.create(organizationId, { emails: [b, a.toUpperCase(), d, c] });
    expectFailure(res, 400, [
      { code: "organization.invitation_already_exists", fields: ["emails[1]"] },
      { code: "organization.invitation_already_exists", fields: ["emails[3]"] },
    ]);
    expect((await openEmails(organizationId)).sort()).toEqual([a, c].sort());
  });

  it("refuses emails of members, listing each", async () => {
    const { organizationId } = await seedElastic(ctx, "Members");
    const member = await boundUser(seed.admin, ctx.app, { organizationId });
    const res = await seed.api.create(organizationId, { emails: [uniqueEmail("new"), member.email] });
    expectFailure(res, 400, [{ code: "organization.user_organization_already_belongs", fields: ["emails[1]"] }]);
    expect(await openEmails(organizationId)).toEqual([]);
  });

  const malformed: Array<[string, unknown, string[] | undefined]> = [
    ["no emails", { expires_in: "3d" }, ["emails"]],
    ["empty emails", { emails: [] }, ["emails"]],
    ["more than 1,000 emails", { emails: Array.from({ length: 1001 }, (_, i) => `p${i}@example.com`) }, ["emails"]],
    ["emails not a list", { emails: "a@example.com" }, ["emails"]],
    ["expires_in without unit", { emails: ["a@example.com"], expires_in: "3" }, ["expires_in"]],
    ["expires_in with an unknown unit", { emails: ["a@example.com"], expires_in: "3y" }, ["expires_in"]],
    ["expires_in zero", { emails: ["a@example.com"], expires_in: "0d" }, ["expires_in"]],
    ["expires_in as the seed's placeholder", { emails: ["a@example.com"], expires_in: "string" }, ["expires_in"]],
    ["expires_in a number", { emails: ["a@example.com"], expires_in: 3600 }, ["expires_in"]],
    ["expires_in above the tenant maximum", { emails: ["a@example.com"], expires_in: "31d" }, ["expires_in"]],
    ["an unknown field", { emails: ["a@example.com"], colour: "red" }, ["colour"]],
    ["role_assignments not an object", { emails: ["a@example.com"], role_assignments: [] }, ["role_assignments"]],
    [
      "an organization assignment without role_id",
      { emails: ["a@example.com"], role_assignments: { organization: [{ organization_id: "org_x" }] } },
      ["role_assignments.organization[0].role_id"],
    ],
    ["a JSON array body", [], undefined],
    ["a JSON string body", "emails", undefined],
    ["a JSON null body", null, undefined],
  ];
  it.each(malformed)("answers 400 root.invalid_data for %s", async (_name, body, fields) => {
    const res = await seed.api.create(seed.organizationId, body);
    expectFailure(res, 400, [{ code: INVALID_DATA, ...(fields && { fields }) }]);
  });

  it("refuses unknown roles and assignments for another organization, by position", async () => {
    const unknown = await seed.api.create(seed.organizationId, {
      emails: [uniqueEmail("role")],
      role_assignments: { organization: [{ role_id: seed.roleId }, { role_id: "role_missing" }, { role_id: seed.roleId }] },
    });
    expectFailure(unknown, 400, [{ code: INVALID_DATA, fields: ["role_assignments.organization[1].role_id"] }]);
    const other = await seed.api.create(seed.organizationId, {
      emails: [uniqueEmail("role")],
      role_assignments: { organization: [{ role_id: seed.roleId, organization_id: "org_elsewhere" }] },
    });
    expectFailure(other, 400, [{ code: INVALID_DATA, fields: ["role_assignments.organization[0].organization_id"] }]);
  });

  it("answers framework failures as BasicFailedReply: bad JSON, wrong content type, empty and oversized bodies", async () => {
    const url = `/organizations/${seed.organizationId}/invitations`;
    const json = { "content-type": "application/json" };
    expectFailure(await seed.api.call("POST", url, { raw: '{"emails": [', headers: json }), 400, [{ code: INVALID_DATA }]);
    expectFailure(await seed.api.call("POST", url, { raw: "", headers: json }), 400, [{ code: INVALID_DATA }]);
    expectFailure(await seed.api.call("POST", url), 400, [{ code: INVALID_DATA }]);
    expectFailure(await seed.api.call("POST", url, { raw: "emails=a@example.com", headers: { "content-type": "text/plain" } }), 415, [
      { code: "root.unsupported_media_type" },
    ]);
    const huge = JSON.stringify({ emails: ["a@example.com"], padding: "x".repeat(1_100_000) });
    expectFailure(await seed.api.call("POST", url, { raw: huge, headers: json }), 413, [{ code: "root.payload_too_large" }]);
    expectFailure(await seed.api.call("POST", url, { raw: '{"__proto__": {"x": 1}, "emails": []}', headers: json }), 400, [
      { code: INVALID_DATA },
    ]);
  });

  it("answers 404 organization.not_found for an unknown organization, a malformed id and another tenant's", async () => {
    const body = { emails: [uniqueEmail("org")] };
    expectFailure(await seed.api.create("org_doesnotexist", body), 404, [{ code: "organization.not_found" }]);
    expectFailure(await seed.api.create("org%00x", body), 404, [{ code: "organization.not_found" }]);
    const tenant = await seed.admin.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Other tenant" });
    const otherTenant = elasticClient(ctx.app, tenant.body.apiKey.key);
    expectFailure(await otherTenant.create(seed.organizationId, body), 404, [{ code: "organization.not_found" }]);
  });

  it("refuses the key of a deleted user at once, though it was just used", async () => {
    const sender = await boundUser(seed.admin, ctx.app, { organizationId: seed.organizationId });
    expect((await sender.api.list(seed.organizationId)).status).toBe(200);
    expect((await seed.admin.delete(`/v1/users/${sender.userId}`)).status).toBe(204);
    const res = await sender.api.create(seed.organizationId, { emails: [uniqueEmail("orphan")] });
    expectFailure(res, 403, [{ code: "root.invalid_authentication" }]);
  });

  it("answers 404 organization.user_organization_does_not_belong when the sender is not a member", async () => {
    const outsider = await boundUser(seed.admin, ctx.app);
    const res = await outsider.api.create(seed.organizationId, { emails: [uniqueEmail("x")] });
    expectFailure(res, 404, [{ code: "organization.user_organization_does_not_belong" }]);
    expect(failureMessages(res)).toEqual(["Invitation sender does not belong to organization."]);
  });

  describe("creation limit, counted per email", () => {
    let admin: Client;
    let api: ElasticClient;
    let organizationId: string;

    beforeAll(async () => {
      const tenant = await seed.admin.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Limited" });
      admin = client(ctx.app, tenant.body.apiKey.key);
      api = elasticClient(ctx.app, tenant.body.apiKey.key);
      expect((await admin.patch("/v1/settings", { limits: { invitationsPerOrganizationPerHour: 5 } })).status).toBe(200);
      const org = await admin.post<{ id: string }>("/v1/organizations", { name: "Limited" });
      organizationId = org.body.id;
    });

    it("answers 429 organization.invitations_rate_limit_exceeded when the emails exceed what is left", async () => {
      expect((await api.create(organizationId, { emails: [uniqueEmail("l"), uniqueEmail("l"), uniqueEmail("l")] })).status).toBe(201);
      const res = await api.create(organizationId, { emails: [uniqueEmail("l"), uniqueEmail("l"), uniqueEmail("l")] });
      expectFailure(res, 429, [{ code: "organization.invitations_rate_limit_exceeded" }]);
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect((await api.list(organizationId)).body.invitations).toHaveLength(3);
      // The refused request used none of the allowance: two more still fit.
      expect((await api.create(organizationId, { emails: [uniqueEmail("l"), uniqueEmail("l")] })).status).toBe(201);
      expectFailure(await api.create(organizationId, { emails: [uniqueEmail("l")] }), 429, [
        { code: "organization.invitations_rate_limit_exceeded" },
      ]);
    });
  });
});
