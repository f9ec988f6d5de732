import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countPendingMany } from "../../src/invitations/invitation-queries.js";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../helpers/harness.js";

/**
 * The counts a group takes when its organizations' counts are stale: one statement for all of
 * them on PostgreSQL, each up to its cap, in the order asked, pending and unexpired only.
 */
describe.each(databaseKinds)("pending counts of several organizations (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
  });
  afterAll(async () => ctx?.close());

  it("counts each organization's pending invitations up to its cap, in the order asked", async () => {
    const sizes = [0, 1, 5, 12];
    const organizations: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const { organizationId } = await seedOrganization(api, `Counted ${i}`);
      organizations.push(organizationId);
      if (size > 0) {
        const emails = Array.from({ length: size }, () => uniqueEmail("counted"));
        expect((await api.post("/v1/invitations/batch", { organizationId, emails, sendEmail: false })).status).toBe(201);
      }
    }
    // One revoked, which never counts, and one that expires in a second, which counts until then.
    const busiest = organizations[3] as string;
    const listed = await api.get<{ data: Array<{ id: string }> }>(`/v1/invitations?organizationId=${busiest}&limit=1`);
    expect((await api.post(`/v1/invitations/${listed.body.data[0]?.id}/revoke`, {})).status).toBe(200);
    const soon = await api.post<{ expiresAt: string }>("/v1/invitations", {
      organizationId: busiest,
      email: uniqueEmail("soon"),
      expiresIn: 1,
      sendEmail: false,
    });
    expect(soon.status).toBe(201);
    const expiry = Date.parse(soon.body.expiresAt);

    const ask = (cap: number, now: number) =>
      [...organizations].reverse().map((organizationId) => ({ tenantId: ctx.tenantId, organizationId, cap, now }));
    // Reversed, so that an answer in id or creation order would show.
    expect(await countPendingMany(ctx.usher.db, ctx.kind, ask(100, expiry - 1))).toEqual([12, 5, 1, 0]);
    expect(await countPendingMany(ctx.usher.db, ctx.kind, ask(100, expiry))).toEqual([11, 5, 1, 0]);
    expect(await countPendingMany(ctx.usher.db, ctx.kind, ask(3, expiry - 1))).toEqual([3, 3, 1, 0]);
    // Another tenant's organization ids count nothing.
    const elsewhere = organizations.map((organizationId) => ({ tenantId: "ten_other", organizationId, cap: 100, now: Date.now() }));
    expect(await countPendingMany(ctx.usher.db, ctx.kind, elsewhere)).toEqual([0, 0, 0, 0]);
    expect(await countPendingMany(ctx.usher.db, ctx.kind, [])).toEqual([]);
  });
});
