import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { boundUser, elasticClient, type OrganizationInvitation, seedElastic } from "./helpers.js";

const DAY_MS = 86_400_000;
type Native = { id: string; email: string; status: string; inviterUserId: string | null; roleIds: string[]; delivery: { status: string } };

describe.each(databaseKinds)("Elastic dialect, happy paths (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  const nativeInvitation = async (email: string) => {
    const found = await seed.admin.get<{ data: Native[] }>(`/v1/invitations?email=${encodeURIComponent(email)}`);
    const [first] = found.body.data;
    if (!first) throw new Error(`no invitation for ${email}`);
    return first;
  };

  it("answers the seed's curl example, byte for byte in shape, with 201 and the invitation", async () => {
    // curl -XPOST https://{{hostname}}/api/v1/organizations/{organization_id}/invitations \
    //   -H "Authorization: ApiKey $ECE_API_KEY" -H 'Content-Type: application/json' -d '...'
    const email = uniqueEmail("seed");
    const raw = `\n{\n   "emails" : [\n      "${email}"\n   ],\n   "expires_in" : "3d"\n}\n`;
    const res = await seed.api.call<{ invitations: OrganizationInvitation[] }>(
      "POST",
      `/organizations/${seed.organizationId}/invitations`,
      {
        raw,
        headers: { "content-type": "application/json" },
      },
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.invitations).toHaveLength(1);
    const [invitation] = res.body.invitations;
    expect(invitation).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      email,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      expires_at: expect.any(String),
      expired: false,
      organization: { id: seed.organizationId, name: "Acme" },
    });
    expect(Date.parse(invitation?.expires_at ?? "") - Date.parse(invitation?.created_at ?? "")).toBe(3 * DAY_MS);
    const native = await nativeInvitation(email);
    // Captured with the invitation (ADR 0054).
    expect(native).toMatchObject({ status: "pending", inviterUserId: null, delivery: { status: "sent", attempts: 1 } });
  });

  it("defaults expires_in to three days and reads every unit", async () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 3 * DAY_MS],
      ["72h", 3 * DAY_MS],
      ["1w", 7 * DAY_MS],
      ["90m", 90 * 60_000],
      ["45s", 45_000],
      ["30d", 30 * DAY_MS],
    ];
    for (const [expiresIn, lifetime] of cases) {
      const res = await seed.api.create(seed.organizationId, {
        emails: [uniqueEmail("life")],
        ...(expiresIn && { expires_in: expiresIn }),
      });
      expect(res.status, res.text).toBe(201);
      const [inv] = res.body.invitations;
      expect(Date.parse(inv?.expires_at ?? "") - Date.parse(inv?.created_at ?? ""), String(expiresIn)).toBe(lifetime);
    }
  });

  it("answers in the order of emails, normalized, with repeated emails merged", async () => {
    const a = uniqueEmail("order");
    const b = uniqueEmail("order");
    const res = await seed.api.create(seed.organizationId, { emails: [` ${b.toUpperCase()} `, a, b] });
    expect(res.status, res.text).toBe(201);
    expect(res.body.invitations.map((i) => i.email)).toEqual([b, a]);
    expect(new Set(res.body.invitations.map((i) => i.token)).size).toBe(2);
  });

  it("grants organization role assignments on acceptance and echoes every kind back unchanged", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    const roleAssignments = {
      organization: [{ role_id: seed.roleId, organization_id: seed.organizationId }],
      deployment: [{ role_id: "deployment-viewer", all: true }],
      platform: [{ role_id: "platform-viewer" }],
      project: { elasticsearch: [{ role_id: "elasticsearch-viewer", organization_id: seed.organizationId, all: true }] },
    };
    const created = await seed.api.create(seed.organizationId, { emails: [invitee.email], role_assignments: roleAssignments });
    expect(created.status, created.text).toBe(201);
    const token = created.body.invitations[0]?.token ?? "";
    expect(created.body.invitations[0]?.role_assignments).toEqual(roleAssignments);
    expect((await seed.api.get(token)).body.role_assignments).toEqual(roleAssignments);
    const listed = await seed.api.list(seed.organizationId);
    expect(listed.body.invitations.find((i) => i.token === token)?.role_assignments).toEqual(roleAssignments);
    expect((await nativeInvitation(invitee.email)).roleIds).toEqual([seed.roleId]);

    const accepted = await invitee.api.accept(token);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toEqual({});
    const members = await seed.admin.get<{ data: Array<{ userId: string; roleIds: string[] }> }>(
      `/v1/organizations/${seed.organizationId}/members`,
    );
    expect(members.body.data.find((m) => m.userId === invitee.userId)?.roleIds).toEqual([seed.roleId]);
  });

  it("shows organization roles of an invitation made through the native API as role assignments", async () => {
    const email = uniqueEmail("native");
    const made = await seed.admin.post<{ acceptUrl: string }>("/v1/invitations", {
      organizationId: seed.organizationId,
      email,
      roleIds: [seed.roleId],
    });
    const token = new URL(made.body.acceptUrl).searchParams.get("token") ?? "";
    const got = await seed.api.get(token);
    expect(got.status, got.text).toBe(200);
    expect(got.body.role_assignments).toEqual({ organization: [{ organization_id: seed.organizationId, role_id: seed.roleId }] });
  });

  it("records the key's bound user as the sender", async () => {
    const sender = await boundUser(seed.admin, ctx.app, { organizationId: seed.organizationId });
    const email = uniqueEmail("sent");
    const res = await sender.api.create(seed.organizationId, { emails: [email] });
    expect(res.status, res.text).toBe(201);
    expect((await nativeInvitation(email)).inviterUserId).toBe(sender.userId);
  });

  it("runs the whole scenario: create several, list, delete some, accept one, membership visible natively", async () => {
    const { organizationId } = await seedElastic(ctx, "Scenario");
    const invitees = await Promise.all([1, 2, 3, 4].map(() => boundUser(seed.admin, ctx.app)));
    const created = await seed.api.create(organizationId, { emails: invitees.map((i) => i.email), expires_in: "2d" });
    expect(created.status, created.text).toBe(201);
    const tokens = created.body.invitations.map((i) => i.token);
    expect(created.body.invitations.map((i) => i.email)).toEqual(invitees.map((i) => i.email));

    const listed = await seed.api.list(organizationId);
    expect(listed.status).toBe(200);
    expect(listed.body.invitations.map((i) => i.token).sort()).toEqual([...tokens].sort());
    expect(listed.body.invitations.every((i) => i.expired === false && i.organization.name === "Scenario")).toBe(true);

    const [t0, t1, t2, t3] = tokens as [string, string, string, string];
    const removed = await seed.api.remove(organizationId, [t0, t2]);
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toEqual({});
    expect((await seed.api.get(t0)).status).toBe(404);
    expect((await seed.api.list(organizationId)).body.invitations.map((i) => i.token).sort()).toEqual([t1, t3].sort());

    const invitee = invitees[1];
    if (!invitee) throw new Error("no invitee");
    expect((await invitee.api.accept(t1)).status).toBe(200);
    const got = await seed.api.get(t1);
    expect(got.status).toBe(200);
    expect(got.body.accepted_at).toEqual(expect.any(String));
    expect(got.body.token).toBe(t1);
    expect((await seed.api.list(organizationId)).body.invitations.map((i) => i.token)).toEqual([t3]);

    const members = await seed.admin.get<{ data: Array<{ userId: string; email: string }> }>(`/v1/organizations/${organizationId}/members`);
    expect(members.status).toBe(200);
    expect(members.body.data.map((m) => m.email)).toEqual([invitee.email]);
  });

  it("accepts with an empty JSON body, as generic clients send it", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    const created = await seed.api.create(seed.organizationId, { emails: [invitee.email] });
    const token = created.body.invitations[0]?.token ?? "";
    const res = await invitee.api.call("POST", `/organizations/invitations/${token}/_accept`, {
      raw: "",
      headers: { "content-type": "application/json" },
    });
    expect(res.status, res.text).toBe(200);
  });

  it("deletes many tokens at once, beyond the router's parameter length", async () => {
    const emails = Array.from({ length: 20 }, () => uniqueEmail("many"));
    const created = await seed.api.create(seed.organizationId, { emails });
    const tokens = created.body.invitations.map((i) => i.token);
    const res = await seed.api.remove(seed.organizationId, tokens);
    expect(res.status, res.text).toBe(200);
    for (const token of tokens) expect((await seed.api.get(token)).status).toBe(404);
  });

  it("lets a key with the invitations:read scope list and get, as a read-only script would", async () => {
    const key = await seed.admin.post<{ key: string }>("/v1/api-keys", { name: "reader", scopes: ["invitations:read"] });
    const reader = elasticClient(ctx.app, key.body.key);
    expect((await reader.list(seed.organizationId)).status).toBe(200);
  });
});
