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

interface Created {
  id: string;
  acceptUrl: string;
}

/**
 * Acceptances that arrive together are written together (ADR 0010). A burst with every kind of
 * outcome: each acceptance still gets its own answer, and the rows are those of accepting one
 * after the other.
 */
describe.each(databaseKinds)("acceptances written together (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let anonymous: Client;
  let a: { organizationId: string; roleId: string };
  let b: { organizationId: string; roleId: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    anonymous = client(ctx.app, null);
    a = await seedOrganization(api, "Alpha Accepts");
    b = await seedOrganization(api, "Beta Accepts");
  });
  afterAll(async () => ctx?.close());

  async function invite(organizationId: string, email: string, roleIds: string[] = []) {
    const created = await api.post<Created>("/v1/invitations", { organizationId, email, roleIds });
    expect(created.status).toBe(201);
    return created.body;
  }

  const accept = (invitation: Created) =>
    anonymous.post<{ code?: string; membership?: { userId: string; roleIds: string[] } }>("/v1/public/invitations/accept", {
      token: tokenOf(invitation.acceptUrl),
    });

  it("answers each acceptance of a mixed burst with its own outcome", async () => {
    const plain = await Promise.all(Array.from({ length: 30 }, () => invite(a.organizationId, uniqueEmail("grp"), [a.roleId])));
    const twin = uniqueEmail("twin");
    const twinA = await invite(a.organizationId, twin, [a.roleId]);
    const twinB = await invite(b.organizationId, twin, [b.roleId]);
    const existing = await api.post<{ id: string; email: string }>("/v1/users", { email: uniqueEmail("existing") });
    const forExisting = await invite(b.organizationId, existing.body.email);
    const revoked = await invite(a.organizationId, uniqueEmail("revoked"));
    expect((await api.post(`/v1/invitations/${revoked.id}/revoke`)).status).toBe(200);
    const joinedMeanwhile = uniqueEmail("joined");
    const alreadyMember = await invite(a.organizationId, joinedMeanwhile);
    const joined = await api.post<{ id: string }>("/v1/users", { email: joinedMeanwhile });
    expect((await api.post(`/v1/organizations/${a.organizationId}/members`, { userId: joined.body.id })).status).toBe(201);
    const twice = await invite(b.organizationId, uniqueEmail("twice"));

    const before = ctx.usher.lifecycle.groupStats;
    const groupsBefore = before.groups;
    const itemsBefore = before.items;
    const [plainAnswers, twinAnswers, existingAnswer, revokedAnswer, memberAnswer, twiceAnswers] = await Promise.all([
      Promise.all(plain.map(accept)),
      Promise.all([accept(twinA), accept(twinB)]),
      accept(forExisting),
      accept(revoked),
      accept(alreadyMember),
      Promise.all([accept(twice), accept(twice), accept(twice)]),
    ]);

    for (const answer of plainAnswers) {
      expect(answer.status).toBe(200);
      expect(answer.body.membership?.roleIds).toEqual([a.roleId]);
    }
    expect(twinAnswers.map((t) => t.status)).toEqual([200, 200]);
    expect(twinAnswers[0]?.body.membership?.userId).toBeDefined();
    expect(twinAnswers[0]?.body.membership?.userId).toBe(twinAnswers[1]?.body.membership?.userId);
    expect(twinAnswers[1]?.body.membership?.roleIds).toEqual([b.roleId]);
    expect(existingAnswer.status).toBe(200);
    expect(existingAnswer.body.membership?.userId).toBe(existing.body.id);
    expect({ status: revokedAnswer.status, code: revokedAnswer.body.code }).toEqual({ status: 409, code: "invitation_not_pending" });
    expect({ status: memberAnswer.status, code: memberAnswer.body.code }).toEqual({ status: 409, code: "invitee_already_member" });
    expect(twiceAnswers.map((t) => t.status).sort()).toEqual([200, 409, 409]);

    // Grouping happened: fewer groups than acceptances.
    const after = ctx.usher.lifecycle.groupStats;
    expect(after.items - itemsBefore).toBe(38);
    expect(after.groups - groupsBefore).toBeLessThan(38);

    // The rows are those of one acceptance after the other.
    const db = ctx.usher.db;
    const membersA = await db.selectFrom("memberships").select("user_id").where("organization_id", "=", a.organizationId).execute();
    expect(membersA).toHaveLength(30 + 1 + 1);
    const rolesA = await db.selectFrom("membership_roles").select("user_id").where("organization_id", "=", a.organizationId).execute();
    expect(rolesA).toHaveLength(31);
    const membersB = await db.selectFrom("memberships").select("user_id").where("organization_id", "=", b.organizationId).execute();
    expect(membersB).toHaveLength(3);
    const twinUsers = await db.selectFrom("users").select("id").where("email", "=", twin).execute();
    expect(twinUsers).toHaveLength(1);
    const created = await api.get<{ data: Array<{ userId: string }> }>(`/v1/events?type=user.created&limit=200`);
    expect(created.body.data.filter((e) => e.userId === twinUsers[0]?.id)).toHaveLength(1);
    const accepted = await api.get<{ data: Array<{ invitationId: string; data: { roleIds: string[] } }> }>(
      "/v1/events?type=invitation.accepted&limit=200",
    );
    const acceptedIds = accepted.body.data.map((e) => e.invitationId);
    expect(acceptedIds).toHaveLength(new Set(acceptedIds).size);
    expect(acceptedIds).toEqual(expect.arrayContaining([...plain.map((p) => p.id), twinA.id, twinB.id, forExisting.id, twice.id]));
    expect(acceptedIds).not.toContain(revoked.id);
    expect(acceptedIds).not.toContain(alreadyMember.id);
    for (const p of plain) {
      const invitation = await api.get<{ status: string }>(`/v1/invitations/${p.id}`);
      expect(invitation.body.status).toBe("accepted");
    }
  });

  it("keeps the member limit when a burst would pass it", async () => {
    const c = await seedOrganization(api, "Gamma Accepts");
    const invitations = await Promise.all(Array.from({ length: 6 }, () => invite(c.organizationId, uniqueEmail("cap"))));
    const settings = await api.get<{ limits: Record<string, number> }>("/v1/settings");
    expect((await api.patch("/v1/settings", { limits: { ...settings.body.limits, membersPerOrganization: 4 } })).status).toBe(200);
    try {
      const answers = await Promise.all(invitations.map(accept));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(answers.filter((answer) => answer.body.code === "member_limit_exceeded")).toHaveLength(2);
      const members = await ctx.usher.db
        .selectFrom("memberships")
        .select("user_id")
        .where("organization_id", "=", c.organizationId)
        .execute();
      expect(members).toHaveLength(4);
    } finally {
      await api.patch("/v1/settings", { limits: settings.body.limits });
    }
  });
});
