import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { client, createTestContext, databaseKinds, seedOrganization, uniqueEmail } from "../helpers/harness.js";
import {
  createEmailContext,
  type EmailTestContext,
  FAST_WORKER,
  type InvitationBody,
  outboxRows,
  waitForDelivery,
} from "./email-harness.js";
import { freePort, type SmtpSink, startSmtpSink, waitUntil } from "./smtp-sink.js";

describe.each(databaseKinds)("delivery failures and retries (%s)", (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: Parameters<typeof createEmailContext>[1]): Promise<EmailTestContext & { organizationId: string }> {
    const ctx = await createEmailContext(kind, options);
    cleanups.push(() => ctx.close());
    const { organizationId } = await seedOrganization(ctx.api);
    return { ...ctx, organizationId };
  }
  async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
    const started = await startSmtpSink(options);
    cleanups.push(() => started.close());
    return started;
  }
  async function invite(ctx: EmailTestContext & { organizationId: string }, email = uniqueEmail("fail")) {
    const res = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId: ctx.organizationId, email });
    expect(res.status).toBe(201);
    return res.body;
  }

  it("keeps every message while the SMTP server is down and delivers them all once it is up", async () => {
    const port = await freePort();
    const ctx = await setup({ smtpUrl: `smtp://127.0.0.1:${port}`, startWorker: true, worker: { maxAttempts: 50 } });
    const invitations = [];
    for (let i = 0; i < 5; i++) invitations.push(await invite(ctx));
    for (const inv of invitations) {
      const delivery = await waitForDelivery(ctx.api, inv.id, (d) => d.attempts >= 2);
      expect(delivery).toMatchObject({ status: "queued", lastError: "smtp_unreachable" });
    }
    const server = await sink({ port });
    const mails = await server.waitForAccepted(5);
    for (const inv of invitations) await waitForDelivery(ctx.api, inv.id, (d) => d.status === "sent");
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(5);
    expect(mails.flatMap((m) => m.to).sort()).toEqual(invitations.map((i) => i.email).sort());
    const rows = await outboxRows(ctx);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
  });

  it("retries after 4xx answers with the same Message-ID, then marks the message failed on a 5xx", async () => {
    const server = await sink({ respond: (n) => (n === 1 ? 451 : n === 2 ? 452 : 550) });
    const ctx = await setup({ smtpUrl: server.url, startWorker: true });
    const invitation = await invite(ctx);
    const delivery = await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "failed");
    expect(delivery).toEqual({ status: "failed", attempts: 3, lastError: "smtp_550" });
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((m) => m.messageId)).size).toBe(1);
    const [row] = await outboxRows(ctx);
    expect(row).toMatchObject({ status: "dead", attempts: 3, last_error: "smtp_550", message_id: server.received[0]?.messageId });
    const events = await ctx.api.get<{ data: Array<{ type: string; data: Record<string, unknown> }> }>(
      `/v1/events?invitationId=${invitation.id}&type=invitation.email_failed`,
    );
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0]?.data).toMatchObject({ attempts: 3, error: "smtp_550" });
  });

  it("gives up after the last attempt when the server only ever answers 4xx", async () => {
    const server = await sink({ respond: () => 421 });
    const ctx = await setup({ smtpUrl: server.url, startWorker: true, worker: { maxAttempts: 4 } });
    const invitation = await invite(ctx);
    const delivery = await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "failed");
    expect(delivery).toEqual({ status: "failed", attempts: 4, lastError: "smtp_421" });
    expect(server.received).toHaveLength(4);
  });

  it("spaces retries out exponentially", async () => {
    const server = await sink({ respond: () => 450 });
    const ctx = await setup({
      smtpUrl: server.url,
      startWorker: true,
      worker: { baseBackoffMs: 100, maxBackoffMs: 10_000, maxAttempts: 4 },
    });
    await invite(ctx);
    const times: number[] = [];
    await waitUntil(
      () => {
        while (times.length < server.received.length) times.push(Date.now());
        return server.received.length >= 4;
      },
      15_000,
      "four attempts",
    );
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    // 100 ms, 200 ms, 400 ms (+ up to 50% jitter, + polling).
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
    expect(gaps[2]).toBeLessThan(2_000);
  });

  it("sends nothing for an invitation revoked before delivery and says so", async () => {
    const server = await sink();
    const ctx = await setup({ smtpUrl: server.url });
    const invitation = await invite(ctx);
    expect((await ctx.api.post(`/v1/invitations/${invitation.id}/revoke`)).status).toBe(200);
    await ctx.usher.worker.drain();
    expect(server.received).toHaveLength(0);
    const got = await ctx.api.get<InvitationBody>(`/v1/invitations/${invitation.id}`);
    expect(got.body.delivery).toEqual({ status: "failed", attempts: 1, lastError: "invitation_not_pending" });
  });

  it("sends one reminder, not two emails, when a resend overtakes a message still waiting", async () => {
    const server = await sink();
    const ctx = await setup({ smtpUrl: server.url });
    const invitation = await invite(ctx);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await ctx.api.post(`/v1/invitations/${invitation.id}/resend`)).status).toBe(200);
    await ctx.usher.worker.drain();
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]?.parsed.subject).toMatch(/^Reminder: /);
    const rows = await outboxRows(ctx);
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ["dead", "superseded"],
      ["sent", null],
    ]);
    await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "sent");
  });

  it("finishes the batch in flight when stopped, leaving no claim behind", async () => {
    const server = await sink({ delayMs: 400 });
    const ctx = await setup({ smtpUrl: server.url, startWorker: true });
    await invite(ctx);
    await waitUntil(async () => (await outboxRows(ctx))[0]?.status === "sending", 5_000, "a claim");
    await ctx.usher.worker.stop();
    expect((await outboxRows(ctx))[0]).toMatchObject({ status: "sent", locked_until: null });
    expect(server.accepted).toHaveLength(1);
  });

  it("lets only the current claim record a message: a worker whose lease ran out changes nothing", async () => {
    const server = await sink();
    const clock = new ManualClock(Date.now());
    const ctx = await createTestContext(kind, {
      config: { smtpUrl: server.url },
      overrides: { clock, worker: { ...FAST_WORKER, leaseMs: 1_000 } },
    });
    cleanups.push(() => ctx.close());
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api);
    const created = await api.post<InvitationBody>("/v1/invitations", { organizationId, email: uniqueEmail("fence") });
    const worker = ctx.usher.worker;

    const late = await worker.claimBatch();
    expect(late.messages).toHaveLength(1);
    clock.advance(1_001);
    const current = await worker.claimBatch();
    expect(current.messages.map((m) => [m.id, m.attempts])).toEqual([[late.messages[0]?.id, 2]]);
    await worker.deliverBatch(current);
    await worker.deliverBatch(late);

    // At least once: the late worker did talk to the server, with the same Message-ID.
    expect(server.accepted).toHaveLength(2);
    expect(server.accepted[0]?.messageId).toBe(server.accepted[1]?.messageId);
    // But only the current claim was recorded.
    const [row] = await ctx.usher.db.selectFrom("outbox").selectAll().execute();
    expect(row).toMatchObject({ status: "sent", attempts: 2 });
    const sent = await api.get<{ data: unknown[] }>(`/v1/events?invitationId=${created.body.id}&type=invitation.email_sent`);
    expect(sent.body.data).toHaveLength(1);
    const got = await api.get<InvitationBody>(`/v1/invitations/${created.body.id}`);
    expect(got.body.delivery).toEqual({ status: "sent", attempts: 2, lastError: null });
    expect((await worker.claimBatch()).messages).toHaveLength(0);
  });

  it("does not let a late failure put a sent message back in the queue", async () => {
    const server = await sink({ respond: (n) => (n === 1 ? undefined : 451) });
    const clock = new ManualClock(Date.now());
    const ctx = await createTestContext(kind, {
      config: { smtpUrl: server.url },
      overrides: { clock, worker: { ...FAST_WORKER, leaseMs: 1_000 } },
    });
    cleanups.push(() => ctx.close());
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api);
    await api.post("/v1/invitations", { organizationId, email: uniqueEmail("fence") });
    const late = await ctx.usher.worker.claimBatch();
    clock.advance(1_001);
    const current = await ctx.usher.worker.claimBatch();
    await ctx.usher.worker.deliverBatch(current);
    await ctx.usher.worker.deliverBatch(late);
    const [row] = await ctx.usher.db.selectFrom("outbox").selectAll().execute();
    expect(row).toMatchObject({ status: "sent", last_error: null });
  });
});
