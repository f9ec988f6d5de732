import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awayFromWindowEdge,
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../../helpers/harness.js";
import { expectEnvelope, type LoginRadiusClient, type LrInvitation, loginRadiusClient } from "./lr-client.js";

const tooMany = (Description: string) => ({ ErrorCode: 1101, Message: "Too many requests", Description });

describe.each(databaseKinds)("LoginRadius limits, 429 / 1101 (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let lr: LoginRadiusClient;
  let orgId: string;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    orgId = (await seedOrganization(api)).organizationId;
    const patched = await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 1, invitationsPerOrganizationPerHour: 3 } });
    expect(patched.status).toBe(200);
  });
  afterAll(async () => ctx?.close());

  it("names the per-recipient send limit, on resend and on sending again", async () => {
    const email = uniqueEmail("limited");
    const sent = await lr.send<LrInvitation>({ email, orgId });
    expect(sent.status).toBe(200);
    const expected = tooMany("The sendsPerRecipientPer10Minutes limit was reached: at most 1 emails to one recipient per 10 minutes.");
    const resent = await lr.resend(sent.body.Id);
    expect(resent.status).toBe(429);
    expect(resent.body).toEqual(expected);
    expect(Number(resent.headers["retry-after"])).toBeGreaterThan(0);
    expectEnvelope(resent);
    const again = await lr.send({ email, orgId });
    expect(again.status).toBe(429);
    expect(again.body).toEqual(expected);
  });

  it("names the per-organization creation limit", async () => {
    expect((await lr.send({ email: uniqueEmail(), orgId })).status).toBe(200);
    expect((await lr.send({ email: uniqueEmail(), orgId })).status).toBe(200);
    const refused = await lr.send({ email: uniqueEmail(), orgId });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(
      tooMany("The invitationsPerOrganizationPerHour limit was reached: at most 3 invitations per organization per hour."),
    );
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("names the per-key request limit", async () => {
    const created = await api.post<{ key: string }>("/v1/api-keys", { name: "busy" });
    await awayFromWindowEdge();
    expect((await api.patch("/v1/settings", { limits: { requestsPerKeyPerMinute: 3 } })).status).toBe(200);
    const busy = loginRadiusClient(ctx.app, created.body.key);
    for (let i = 0; i < 3; i += 1) expect((await busy.get(`?orgid=${orgId}`)).status).toBe(200);
    const refused = await busy.get(`?orgid=${orgId}`);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(tooMany("The requestsPerKeyPerMinute limit was reached: at most 3 requests per API key per minute."));
  });
});
