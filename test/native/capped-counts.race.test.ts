import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, seedOrganization, type TestContext, tokenOf, uniqueEmail } from "../helpers/harness.js";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/**
 * One process, many requests at once, on PostgreSQL (where groups of creates and of
 * acceptances are in flight together): the caps counted from a recent count plus this
 * process's own additions must still never be passed.
 */
describe.runIf(TEST_DATABASE_URL)("organization caps under bursts in one process (PostgreSQL)", () => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
    api = client(ctx.app, ctx.adminKey);
  });
  afterAll(async () => ctx?.close());

  async function membersOf(organizationId: string): Promise<number> {
    const members = await ctx.usher.db.selectFrom("memberships").select("user_id").where("organization_id", "=", organizationId).execute();
    return members.length;
  }

  it("never passes the pending cap, whatever the groups the burst falls into", async () => {
    await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10 } });
    try {
      for (let round = 0; round < 5; round++) {
        const { organizationId } = await seedOrganization(api, `Pending ${round}`);
        // A first create counts, so that the burst decides from that count and its own additions.
        expect((await api.post("/v1/invitations", { organizationId, email: uniqueEmail("first") })).status).toBe(201);
        const answers = await Promise.all(
          Array.from({ length: 3 + round * 8 }, () => api.post("/v1/invitations", { organizationId, email: uniqueEmail("burst") })),
        );
        const created = answers.filter((a) => a.status === 201).length;
        const pending = await ctx.usher.db.selectFrom("invitations").select("id").where("organization_id", "=", organizationId).execute();
        expect(pending).toHaveLength(created + 1);
        expect(created + 1).toBe(Math.min(10, 4 + round * 8));
      }
    } finally {
      await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10_000 } });
    }
  });

  it("never passes the member cap, whatever the groups the burst falls into", async () => {
    await api.patch("/v1/settings", { limits: { membersPerOrganization: 6 } });
    try {
      for (let round = 0; round < 4; round++) {
        const { organizationId } = await seedOrganization(api, `Members ${round}`);
        const batch = await api.post<{ results: Array<{ invitation: { acceptUrl: string } }> }>("/v1/invitations/batch", {
          organizationId,
          emails: Array.from({ length: 20 }, () => uniqueEmail("member")),
          sendEmail: false,
        });
        const tokens = batch.body.results.map((r) => tokenOf(r.invitation.acceptUrl));
        const anonymous = client(ctx.app, null);
        expect((await anonymous.post("/v1/public/invitations/accept", { token: tokens[0] })).status).toBe(200);
        const answers = await Promise.all(tokens.slice(1).map((token) => anonymous.post("/v1/public/invitations/accept", { token })));
        const statuses = answers.map((a) => a.status);
        expect(await membersOf(organizationId)).toBe(6);
        expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      }
    } finally {
      await api.patch("/v1/settings", { limits: { membersPerOrganization: 0 } });
    }
  });

  it("never passes any organization's member cap when one burst spans several", async () => {
    // Counts this process does not have yet: a group locks and counts its organizations together.
    await api.patch("/v1/settings", { limits: { membersPerOrganization: 6 } });
    try {
      const organizations: string[] = [];
      const tokens: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { organizationId } = await seedOrganization(api, `Spread members ${i}`);
        organizations.push(organizationId);
        const batch = await api.post<{ results: Array<{ invitation: { acceptUrl: string } }> }>("/v1/invitations/batch", {
          organizationId,
          emails: Array.from({ length: 12 }, () => uniqueEmail("spread")),
          sendEmail: false,
        });
        tokens.push(...batch.body.results.map((r) => tokenOf(r.invitation.acceptUrl)));
      }
      // Interleaved, so that every group holds acceptances of several organizations.
      const order = tokens.map((token, i) => ({ token, at: (i % 12) * 4 + Math.floor(i / 12) })).sort((x, y) => x.at - y.at);
      const anonymous = client(ctx.app, null);
      const answers = await Promise.all(order.map(({ token }) => anonymous.post("/v1/public/invitations/accept", { token })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(24);
      for (const organizationId of organizations) {
        expect(await membersOf(organizationId)).toBe(6);
      }
    } finally {
      await api.patch("/v1/settings", { limits: { membersPerOrganization: 0 } });
    }
  });
});
