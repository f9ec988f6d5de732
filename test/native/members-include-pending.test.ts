import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  secondInstance,
  seedOrganization,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

type Inv = { id: string; acceptUrl: string | null };

/**
 * `limits.membersIncludePending` (ADR 0024): pending invitations count toward
 * `membersPerOrganization` when invitations are created, so an organization never holds more
 * invitations than it has seats left.
 */
describe.each(databaseKinds)("the member limit counting pending invitations (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
  });
  afterEach(async () => {
    await api.patch("/v1/settings", { limits: { membersPerOrganization: 100_000, membersIncludePending: false } });
  });
  afterAll(async () => ctx?.close());

  const invite = (organizationId: string, email = uniqueEmail("seat")) => api.post<Inv>("/v1/invitations", { organizationId, email });

  async function orgWithMember(): Promise<string> {
    const { organizationId } = await seedOrganization(api);
    const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("member") });
    expect((await api.post(`/v1/organizations/${organizationId}/members`, { userId: user.body.id })).status).toBe(201);
    return organizationId;
  }

  it("is off by default: pending invitations do not take seats", async () => {
    const settings = await api.get<{ limits: Record<string, unknown> }>("/v1/settings");
    expect(settings.body.limits.membersIncludePending).toBe(false);
    expect((await api.patch("/v1/settings", { limits: { membersPerOrganization: 2 } })).status).toBe(200);
    const organizationId = await orgWithMember();
    for (let i = 0; i < 3; i++) expect((await invite(organizationId)).status).toBe(201);
  });

  it("refuses a create once members and pending invitations fill the seats; a revoke frees one, an acceptance none", async () => {
    expect((await api.patch("/v1/settings", { limits: { membersPerOrganization: 3, membersIncludePending: true } })).status).toBe(200);
    const organizationId = await orgWithMember();
    const first = await invite(organizationId);
    const second = await invite(organizationId);
    expect([first.status, second.status]).toEqual([201, 201]);

    const refused = await invite(organizationId);
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(refused.body).toMatchObject({ code: "member_limit_exceeded", limit: "membersPerOrganization" });
    // A batch that does not fit is refused whole, atomic or not, as the pending cap refuses one.
    const batch = await api.post("/v1/invitations/batch", { organizationId, emails: [uniqueEmail("b"), uniqueEmail("b")], atomic: false });
    expect(batch.status).toBe(429);
    expect(batch.body).toMatchObject({ code: "member_limit_exceeded" });

    // An acceptance turns a pending invitation into a member: the seats stay taken.
    expect((await api.post("/v1/public/invitations/accept", { token: tokenOf(first.body.acceptUrl) })).status).toBe(200);
    expect((await invite(organizationId)).status).toBe(429);
    // A revoke frees the seat the invitation held.
    expect((await api.post(`/v1/invitations/${second.body.id}/revoke`)).status).toBe(200);
    expect((await invite(organizationId)).status).toBe(201);
    expect((await invite(organizationId)).status).toBe(429);
  });

  it("lets concurrent creates through two instances fill the seats exactly, never more", async () => {
    expect((await api.patch("/v1/settings", { limits: { membersPerOrganization: 6, membersIncludePending: true } })).status).toBe(200);
    // Two processes' groups in flight at once: each must count after the other's insert.
    const second = await secondInstance(ctx);
    const apis = [api, client(second.app, ctx.adminKey)];
    try {
      for (let round = 0; round < 3; round++) {
        const organizationId = await orgWithMember();
        // One create through each instance first: each then knows the organization's pending
        // count, and the burst's groups take no lock for the pending cap (far from it).
        for (const each of apis)
          expect((await each.post("/v1/invitations", { organizationId, email: uniqueEmail("warm") })).status).toBe(201);
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (apis[i % 2] ?? api).post("/v1/invitations", { organizationId, email: uniqueEmail("race") }),
          ),
        );
        expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
        expect(answers.filter((a) => a.status === 429)).toHaveLength(37);
        const page = await api.get<{ total: number }>(`/v1/invitations?organizationId=${organizationId}&status=pending&includeTotal=true`);
        expect(page.body.total).toBe(5);
      }
    } finally {
      await second.close();
    }
  });
});
