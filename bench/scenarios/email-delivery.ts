/**
 * Email delivery throughput: queue `count` invitations with the worker stopped, start the
 * worker against a local SMTP sink, and time until every message is sent.
 *
 *   node --import tsx bench/scenarios/email-delivery.ts [count] [databaseUrl]
 *
 * `BENCH_CREATION=1` instead compares single creates with and without an SMTP server
 * configured; `BENCH_TUNING='{"worker":{"batchSize":200},"smtp":"?maxConnections=8"}'` tries
 * other worker and pool settings.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import pg from "pg";
import pino from "pino";
import type { Config } from "../../src/config.js";
import { createUsher, type Usher } from "../../src/container.js";
import { SYSTEM_ACTOR } from "../../src/events/event-service.js";

export interface DeliveryMeasurement {
  messagesPerSecond: number;
  ms: number;
}

export async function measureDelivery(options: { databaseUrl?: string; count: number }): Promise<DeliveryMeasurement> {
  const sink = await startSink();
  const database = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "usher-bench-email-"));
  let usher: Usher | undefined;
  try {
    const tuning = process.env.BENCH_TUNING ? (JSON.parse(process.env.BENCH_TUNING) as { worker?: object; smtp?: string }) : {};
    usher = await createUsher(benchConfig({ dataDir, databaseUrl: database?.url, smtpUrl: `${sink.url}${tuning.smtp ?? ""}` }), {
      log: pino({ level: "warn" }),
      worker: tuning.worker,
    });
    await queueInvitations(usher, options.count);
    const started = performance.now();
    usher.worker.start();
    await waitFor(() => sink.accepted() >= options.count, "the sink to receive every message");
    const db = usher.db;
    await waitFor(async () => {
      const row = await db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "sent")
        .executeTakeFirst();
      return Number(row?.n ?? 0) >= options.count;
    }, "every message to be marked sent");
    const ms = performance.now() - started;
    return { messagesPerSecond: Math.round((options.count / ms) * 1000), ms: Math.round(ms) };
  } finally {
    await usher?.close();
    await sink.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface CreationMeasurement {
  createsPerSecond: number;
  ms: number;
}

/**
 * Single creates over HTTP (in-process `inject`, 8 at a time) while the worker runs, with mail
 * going to the capture mailbox or, with `smtp`, to the local SMTP sink. Sending is never on
 * the request path, so the two figures should stay within a few percent of each other.
 */
export async function measureCreation(options: { databaseUrl?: string; count: number; smtp: boolean }): Promise<CreationMeasurement> {
  const sink = options.smtp ? await startSink() : undefined;
  const database = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "usher-bench-create-"));
  let usher: Usher | undefined;
  try {
    usher = await createUsher(benchConfig({ dataDir, databaseUrl: database?.url, smtpUrl: sink?.url, bootstrapKey: BENCH_KEY }), {
      log: pino({ level: "warn" }),
    });
    const { buildApp } = await import("../../src/app.js");
    const app = await buildApp(usher);
    const { organizationId } = await prepareTenant(usher);
    const auth = { authorization: `Bearer ${BENCH_KEY}` };
    usher.worker.start();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.count) {
          const i = next++;
          const res = await app.inject({
            method: "POST",
            url: "/v1/invitations",
            headers: auth,
            payload: { organizationId, email: `c${i}@bench.example` },
          });
          if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
        }
      }),
    );
    const ms = performance.now() - started;
    await app.close();
    return { createsPerSecond: Math.round((options.count / ms) * 1000), ms: Math.round(ms) };
  } finally {
    await usher?.close();
    await sink?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const BENCH_KEY = "key_benchadmin.bench-secret-bench-secret";

/** The bootstrap tenant, without limits in the way, and one organization with a role. */
async function prepareTenant(usher: Usher) {
  const boot = await usher.tenants.bootstrap(SYSTEM_ACTOR, usher.config.bootstrapKey);
  if (!boot) throw new Error("the bench database is not empty");
  const tenantId = boot.tenant.id;
  await usher.settings.update(tenantId, SYSTEM_ACTOR, {
    limits: { invitationsPerOrganizationPerHour: 0, pendingPerOrganization: 0, sendsPerRecipientPer10Minutes: 0 },
  });
  const organization = await usher.organizations.create(tenantId, SYSTEM_ACTOR, { name: "Bench & Co" });
  const role = await usher.roles.create(tenantId, SYSTEM_ACTOR, { name: "member" });
  return { tenantId, organizationId: organization.id, roleId: role.id };
}

/** Invitations for `count` addresses in one organization, committed with their outbox rows. */
async function queueInvitations(usher: Usher, count: number): Promise<void> {
  const { tenantId, organizationId, roleId } = await prepareTenant(usher);
  for (let start = 0; start < count; start += 1_000) {
    const emails = Array.from({ length: Math.min(1_000, count - start) }, (_, i) => `invitee-${start + i}@bench.example`);
    await usher.invitations.createMany(tenantId, SYSTEM_ACTOR, { organizationId, emails, roleIds: [roleId] });
  }
}

/**
 * An SMTP server on loopback that accepts everything and only counts. It runs on its own
 * thread, as a real mail server would run in its own process, so the figure measures Usher
 * rather than the sink sharing Usher's event loop.
 */
export async function startSink(): Promise<{ url: string; accepted(): number; close(): Promise<void> }> {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(SINK_SOURCE, { eval: true, workerData: { counter } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", (message: { port: number }) => resolve(message.port));
    worker.once("error", reject);
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted: () => Atomics.load(counter, 0),
    close: async () => {
      await worker.terminate();
    },
  };
}

const SINK_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { SMTPServer } = require("smtp-server");
const server = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  maxClients: 200,
  onData(stream, _session, callback) {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      Atomics.add(workerData.counter, 0, 1);
      callback();
    });
  },
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.server.address().port }));
`;

/** A fresh database on the given PostgreSQL server, so runs do not see each other's rows. */
async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `usher_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

function benchConfig(overrides: Partial<Config>): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    publicUrl: "https://usher.bench.example",
    databaseUrl: undefined,
    dataDir: "",
    secret: "bench-secret-bench-secret-bench-secret",
    bootstrapKey: undefined,
    smtpUrl: undefined,
    redisUrl: undefined,
    logLevel: "warn",
    listThreads: 0,
    listConnections: 1,
    ...overrides,
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 10_000);
  const databaseUrl = process.argv[3] ?? process.env.BENCH_DATABASE_URL;
  const database = databaseUrl ? "postgres" : "sqlite";
  if (process.env.BENCH_CREATION) {
    for (const smtp of [false, true, false, true]) {
      const result = await measureCreation({ count, databaseUrl, smtp });
      process.stdout.write(`${JSON.stringify({ scenario: "create-with-email", database, smtp, count, ...result })}\n`);
    }
  } else {
    const result = await measureDelivery({ count, databaseUrl });
    process.stdout.write(`${JSON.stringify({ scenario: "email-delivery", database, count, ...result })}\n`);
  }
}
