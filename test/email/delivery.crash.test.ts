import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { databaseKinds, seedOrganization } from "../helpers/harness.js";
import { createEmailContext, type EmailTestContext, outboxRows, waitForDelivery } from "./email-harness.js";
import { type SmtpSink, startSmtpSink, waitUntil } from "./smtp-sink.js";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "usher-child.ts");

/** Starts another Usher process on the test's database; resolves with the ids it created. */
async function startChild(ctx: EmailTestContext, env: Record<string, string>): Promise<{ child: ChildProcess; ids: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: {
      ...process.env,
      CHILD_DATA_DIR: ctx.config.dataDir,
      CHILD_DATABASE_URL: ctx.config.databaseUrl ?? "",
      CHILD_TENANT_ID: ctx.tenantId,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ids = await new Promise<string[]>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = /created (\S+)\n/.exec(out);
      if (line?.[1]) resolve(line[1].split(","));
    });
    child.once("exit", (code) => reject(new Error(`child exited with ${code}: ${stderr}`)));
  });
  return { child, ids };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe.each(databaseKinds)("a process killed before its mail went out (%s)", (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const ctx = await createEmailContext(kind, { smtpUrl: sink.url });
    cleanups.push(() => ctx.close());
    const { organizationId } = await seedOrganization(ctx.api);
    return { sink, ctx, organizationId };
  }

  it("delivers after a restart what was committed before SIGKILL", async () => {
    const { sink, ctx, organizationId } = await setup();
    const { child, ids } = await startChild(ctx, { CHILD_ORGANIZATION_ID: organizationId, CHILD_COUNT: "10", CHILD_SMTP_URL: sink.url });
    cleanups.push(() => kill(child));
    await kill(child);
    expect(ids).toHaveLength(10);
    expect((await outboxRows(ctx)).map((r) => r.status)).toEqual(Array(10).fill("queued"));

    ctx.usher.worker.start();
    const mails = await sink.waitForAccepted(10);
    for (const id of ids) await waitForDelivery(ctx.api, id, (d) => d.status === "sent");
    expect(new Set(mails.map((m) => m.to[0])).size).toBe(10);
    expect(new Set(mails.map((m) => m.messageId))).toEqual(new Set((await outboxRows(ctx)).map((r) => r.message_id)));
  });

  it("takes back the claims of a process killed in the middle of sending, once their lease runs out", async () => {
    const { sink, ctx, organizationId } = await setup();
    // The dying process talks to a server that never answers DATA.
    const tarpit: SmtpSink = await startSmtpSink({ respond: () => "stall" });
    cleanups.push(() => tarpit.close());
    const { child, ids } = await startChild(ctx, {
      CHILD_ORGANIZATION_ID: organizationId,
      CHILD_COUNT: "12",
      CHILD_SMTP_URL: tarpit.url,
      CHILD_START_WORKER: "1",
      CHILD_LEASE_MS: "1500",
    });
    cleanups.push(() => kill(child));
    await waitUntil(async () => (await outboxRows(ctx)).every((r) => r.status === "sending"), 10_000, "the child's claims");
    await waitUntil(() => tarpit.received.length > 0, 10_000, "the child to start sending");
    await kill(child);
    const claimed = await outboxRows(ctx);
    expect(claimed.every((r) => r.status === "sending" && r.attempts === 1)).toBe(true);

    const started = Date.now();
    ctx.usher.worker.start();
    const mails = await sink.waitForAccepted(12);
    // Not before the lease of the dead claim ran out.
    const leaseEnd = Math.max(...claimed.map((r) => Number(r.locked_until)));
    expect(Date.now()).toBeGreaterThanOrEqual(leaseEnd);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const id of ids) {
      const delivery = await waitForDelivery(ctx.api, id, (d) => d.status === "sent");
      expect(delivery.attempts).toBe(2);
    }
    expect(new Set(mails.map((m) => m.to[0])).size).toBe(12);
    // The retry carries the Message-ID the dead process had started to send.
    for (const stalled of tarpit.received) expect(mails.map((m) => m.messageId)).toContain(stalled.messageId);
  });
});
