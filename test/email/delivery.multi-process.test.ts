import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsher, type Usher } from "../../src/container.js";
import { SmtpTransport } from "../../src/email/smtp-transport.js";
import { parseSmtpUrl } from "../../src/email/smtp-url.js";
import type { MailTransport } from "../../src/email/transport.js";
import { databaseKinds, seedOrganization } from "../helpers/harness.js";
import { createEmailContext, type EmailTestContext, FAST_WORKER, outboxRows } from "./email-harness.js";
import { type SmtpSink, startSmtpSink, waitUntil } from "./smtp-sink.js";

/**
 * Several processes share one PostgreSQL database (PRODUCT.md §6). SQLite is the embedded,
 * one-process default, and two instances in one Node process would block each other on
 * SQLite's synchronous file lock, so this suite runs on PostgreSQL only.
 */
const kinds = databaseKinds.filter((kind) => kind === "postgres");

// Registered (and skipped) without a PostgreSQL test database too: an empty `each` would leave
// the file without a suite, which vitest reports as a failure.
describe.skipIf(kinds.length === 0).each(["postgres"] as const)("two Usher instances on one database (%s)", (kind) => {
  let sink: SmtpSink;
  let ctx: EmailTestContext;
  let first: Usher;
  let second: Usher;
  const transports: SmtpTransport[] = [];
  const sentBy = { first: 0, second: 0 };

  function countingTransport(name: keyof typeof sentBy): () => Promise<MailTransport> {
    const smtp = new SmtpTransport(parseSmtpUrl(sink.url));
    transports.push(smtp);
    const counting: MailTransport = {
      async send(message) {
        await smtp.send(message);
        sentBy[name] += 1;
      },
    };
    return async () => counting;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    const worker = { ...FAST_WORKER, batchSize: 10 };
    // The harness's instance only takes API calls; its worker never runs. It is configured for
    // SMTP like the others (a capturing instance would store the mail at create, ADR 0054).
    ctx = await createEmailContext(kind, { worker, smtpUrl: sink.url });
    first = await createUsher(ctx.config, { log: pino({ level: "silent" }), worker, transportFor: countingTransport("first") });
    second = await createUsher(ctx.config, { log: pino({ level: "silent" }), worker, transportFor: countingTransport("second") });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    for (const transport of transports) await transport.close();
    await ctx?.close();
    await sink?.close();
  });

  it("delivers each message exactly once while both workers compete for the queue", async () => {
    const { organizationId } = await seedOrganization(ctx.api);
    const emails = Array.from({ length: 300 }, (_, i) => `both-${i}@example.com`);
    const created = await ctx.api.post<{ data: unknown[] }>("/v1/invitations/batch", { organizationId, emails });
    expect(created.status).toBe(201);

    first.worker.start();
    second.worker.start();
    await sink.waitForAccepted(300, 30_000);
    await waitUntil(async () => (await outboxRows(ctx)).every((r) => r.status === "sent"), 10_000, "all rows sent");
    // Quiet for a moment: nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(sink.received).toHaveLength(300);
    expect(new Set(sink.received.map((m) => m.messageId)).size).toBe(300);
    expect(new Set(sink.received.flatMap((m) => m.to))).toEqual(new Set(emails));
    expect(sentBy.first).toBeGreaterThan(0);
    expect(sentBy.second).toBeGreaterThan(0);
    expect(sentBy.first + sentBy.second).toBe(300);
    const rows = await outboxRows(ctx);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const events = await ctx.usher.db.selectFrom("events").select("invitation_id").where("type", "=", "invitation.email_sent").execute();
    expect(events).toHaveLength(300);
  });
});
