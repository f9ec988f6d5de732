import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutgoingMessage } from "../../src/email/transport.js";
import { client, createTestContext, databaseKinds, seedOrganization, tokenOf, uniqueEmail } from "../helpers/harness.js";
import { createEmailContext, type EmailTestContext, FAST_WORKER, type InvitationBody, waitForDelivery } from "./email-harness.js";
import { startSmtpSink, waitUntil } from "./smtp-sink.js";

type Captured = { to: string; subject: string; text: string; html: string; headers: Record<string, string>; createdAt: string };
type Problem = { code: string; limit?: string; errors?: Array<{ path: string }> };

describe.each(databaseKinds)("capture mailbox (%s)", (kind) => {
  let ctx: EmailTestContext;
  let organizationId: string;

  beforeAll(async () => {
    ctx = await createEmailContext(kind, { startWorker: true });
    ({ organizationId } = await seedOrganization(ctx.api, "Acme"));
  });
  afterAll(async () => ctx?.close());

  it("captures messages when no SMTP server is configured and shows them at GET /v1/mailbox", async () => {
    const email = uniqueEmail("captured");
    const created = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId, email, locale: "ja" });
    await waitForDelivery(ctx.api, created.body.id, (d) => d.status === "sent");
    const box = await ctx.api.get<{ data: Captured[] }>(`/v1/mailbox?to=${encodeURIComponent(email.toUpperCase())}`);
    expect(box.status).toBe(200);
    expect(box.body.data).toHaveLength(1);
    const [mail] = box.body.data;
    expect(mail?.subject).toBe("Acmeへの招待が届いています");
    expect(mail?.text).toContain(created.body.acceptUrl);
    expect(mail?.html).toContain("招待を承諾する");
    expect(mail?.headers).toMatchObject({ "Content-Language": "ja", To: email, From: '"Usher" <no-reply@usher.test>' });
    expect(mail?.headers["Message-ID"]).toMatch(/^<msg_[A-Za-z0-9]+@usher\.test>$/);
    // The captured link works like a delivered one.
    const accept = await ctx.api.post("/v1/public/invitations/accept", { token: tokenOf(created.body.acceptUrl) });
    expect(accept.status).toBe(200);
  });

  it("queues an email it cannot render at create for the worker, which reports it", async () => {
    // A stored template that no longer parses (written by hand, or before validation).
    const row = await ctx.usher.db.selectFrom("tenants").select("settings").where("id", "=", ctx.tenantId).executeTakeFirstOrThrow();
    const stored = JSON.parse(row.settings) as { templates?: Record<string, unknown> };
    const broken = JSON.stringify({ ...stored, templates: { en: { subject: "{{#organizationName}} never closed" } } });
    await ctx.usher.db.updateTable("tenants").set({ settings: broken }).where("id", "=", ctx.tenantId).execute();
    // Settings are cached for a few seconds; this test does not wait for that.
    ctx.usher.invalidations.dropHere("settings", [ctx.tenantId]);
    try {
      const email = uniqueEmail("unrendered");
      const created = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId, email });
      expect(created.status).toBe(201);
      expect(created.body.delivery).toEqual({ status: "queued", attempts: 0, lastError: null });
      const failed = await waitForDelivery(ctx.api, created.body.id, (d) => d.lastError !== null);
      expect(failed).toMatchObject({ status: "queued", lastError: "internal_error" });
      const box = await ctx.api.get<{ data: Captured[] }>(`/v1/mailbox?to=${encodeURIComponent(email)}`);
      expect(box.body.data).toHaveLength(0);
      const sent = await ctx.usher.db
        .selectFrom("events")
        .select("id")
        .where("invitation_id", "=", created.body.id)
        .where("type", "=", "invitation.email_sent")
        .execute();
      expect(sent).toHaveLength(0);
    } finally {
      await ctx.usher.db.updateTable("tenants").set({ settings: row.settings }).where("id", "=", ctx.tenantId).execute();
      ctx.usher.invalidations.dropHere("settings", [ctx.tenantId]);
    }
  });

  it("does not count capture as a configured sender unless the tenant says so", async () => {
    const settings = await ctx.api.get<{ email: { senderConfigured: boolean } }>("/v1/settings");
    expect(settings.body.email.senderConfigured).toBe(false);
    const patched = await ctx.api.patch<{ email: { senderConfigured: boolean } }>("/v1/settings", { email: { captureIsSender: true } });
    expect(patched.body.email.senderConfigured).toBe(true);
    await ctx.api.patch("/v1/settings", { email: { captureIsSender: false } });
  });

  it("shows one tenant's captured mail to that tenant only", async () => {
    const other = await ctx.api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Other" });
    expect(other.status).toBe(201);
    const otherApi = client(ctx.app, other.body.apiKey.key);
    const box = await otherApi.get<{ data: Captured[] }>("/v1/mailbox");
    expect(box.body.data).toEqual([]);
  });
});

describe.each(databaseKinds)("per-recipient send limit (%s)", (kind) => {
  let ctx: EmailTestContext;

  beforeAll(async () => {
    ctx = await createEmailContext(kind);
  });
  afterAll(async () => ctx?.close());

  it("allows 10 sends to one recipient in 10 minutes by default, counting creates and resends, then answers 429", async () => {
    const { organizationId } = await seedOrganization(ctx.api, "Limits");
    const email = uniqueEmail("limited");
    const created = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId, email });
    expect(created.status).toBe(201);
    for (let i = 0; i < 9; i++) expect((await ctx.api.post(`/v1/invitations/${created.body.id}/resend`)).status).toBe(200);
    const refused = await ctx.api.post<Problem>(`/v1/invitations/${created.body.id}/resend`);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "send_limit_exceeded", limit: "sendsPerRecipientPer10Minutes" });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    // Another organization inviting the same person is refused too: the limit is per recipient.
    const other = await seedOrganization(ctx.api, "Elsewhere");
    const again = await ctx.api.post<Problem>("/v1/invitations", { organizationId: other.organizationId, email: email.toUpperCase() });
    expect(again.status).toBe(429);
    expect(again.body.code).toBe("send_limit_exceeded");
    // A refused send queued nothing.
    const rows = await ctx.usher.db.selectFrom("outbox").select("id").where("invitation_id", "=", created.body.id).execute();
    expect(rows).toHaveLength(10);
  });

  it("follows the tenant's setting, and does not count invitations created without email", async () => {
    expect((await ctx.api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 2 } })).status).toBe(200);
    const { organizationId } = await seedOrganization(ctx.api, "Tight");
    const email = uniqueEmail("tight");
    const silent = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId, email, sendEmail: false });
    expect(silent.status).toBe(201);
    expect((await ctx.api.post(`/v1/invitations/${silent.body.id}/resend`)).status).toBe(200);
    expect((await ctx.api.post(`/v1/invitations/${silent.body.id}/resend`)).status).toBe(200);
    expect((await ctx.api.post(`/v1/invitations/${silent.body.id}/resend`)).status).toBe(429);
    await ctx.api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
  });
});

describe.each(databaseKinds)("the request path never waits for SMTP (%s)", (kind) => {
  it("creates and resends at once while every send hangs", async () => {
    const tarpit = await startSmtpSink({ respond: () => "stall" });
    const transportCalls: OutgoingMessage[] = [];
    const ctx = await createTestContext(kind, {
      config: { smtpUrl: tarpit.url },
      startWorker: true,
      overrides: {
        worker: { ...FAST_WORKER, leaseMs: 1_000 },
        transportFor: async () => ({
          send: async (message) => {
            transportCalls.push(message);
            await new Promise(() => undefined); // never answers
          },
        }),
      },
    });
    try {
      const api = client(ctx.app, ctx.adminKey);
      const { organizationId } = await seedOrganization(api);
      const started = Date.now();
      const created = await api.post<InvitationBody>("/v1/invitations", { organizationId, email: uniqueEmail("fast") });
      expect(created.status).toBe(201);
      const batch = await api.post("/v1/invitations/batch", { organizationId, emails: [uniqueEmail("fast"), uniqueEmail("fast")] });
      expect(batch.status).toBe(201);
      expect((await api.post(`/v1/invitations/${created.body.id}/resend`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(created.body.delivery).toEqual({ status: "queued", attempts: 0, lastError: null });
      // Meanwhile the worker is stuck in the transport, off the request path.
      await waitUntil(() => transportCalls.length >= 3, 5_000, "the worker to try sending");
    } finally {
      await ctx.close();
      await tarpit.close();
    }
  });
});
