import { buildLoadgen, type HttpRequest, runLoad } from "./load.js";
import { elasticBulkCreate } from "./scenarios/elastic-bulk.js";
import { measureDelivery, startSink } from "./scenarios/email-delivery.js";
import { BENCH_KEY, type BenchServer, call, freshPostgres, startBenchServer } from "./server.js";

/**
 * `npm run bench`: every scenario against a real server process on 127.0.0.1, loaded by the
 * native load generator (load.ts) with 50 connections, 10 s measured after a 3 s warm-up on the
 * same connections. One line per scenario: requests/s, p50 and p99 latency, server CPU per
 * request, peak server RSS.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const only = process.argv.slice(2);

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  note?: string;
}

/** Requests enough for the fastest run we expect, so that a run never repeats one. */
const REQUESTS_PER_SECOND_BOUND = 10_000;

/**
 * Loads the server with `request(i)` for the warm-up and the measured window, and reads the
 * server's CPU and peak RSS over the window. `count` distinct requests are sent in turn; a
 * scenario whose requests must not repeat gets a note when a run went past them (`repeats`
 * says they may).
 */
async function measure(
  scenario: string,
  server: BenchServer,
  request: (i: number) => HttpRequest,
  count?: number,
  repeats = false,
): Promise<Row> {
  let cpuBefore = 0;
  let cpuAfter = 0;
  let peakRss = 0;
  let ended: string | undefined;
  const result = await runLoad({
    url: server.url,
    connections: CONNECTIONS,
    warmupSeconds: WARMUP,
    seconds: DURATION,
    request,
    count: count ?? (WARMUP + DURATION) * REQUESTS_PER_SECOND_BOUND,
    onMeasure: () => {
      server.resetPeakRss();
      cpuBefore = server.cpuMs();
    },
    onEnd: () => {
      ended = server.exitReason();
      if (ended !== undefined) return;
      cpuAfter = server.cpuMs();
      peakRss = server.peakRssMb();
    },
  });
  const notes = [
    ...(ended !== undefined ? [`server ended during the run (${ended}): CPU and RSS not measured`] : []),
    ...(result.bad > 0 ? [`${result.bad} non-2xx/errors`] : []),
    ...(result.wrapped > 0 && !repeats ? ["requests repeated"] : []),
  ];
  return {
    scenario,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpuMsPerRequest: result.requests > 0 && ended === undefined ? (cpuAfter - cpuBefore) / result.requests : 0,
    peakRssMb: peakRss,
    ...(notes.length > 0 && { note: notes.join(", ") }),
  };
}

const HEADERS = { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` };

async function createScenario(label: string, databaseUrl?: string, options: { smtp?: boolean; redisUrl?: string } = {}): Promise<Row> {
  const sink = options.smtp ? await startSink() : undefined;
  const server = await startBenchServer({ databaseUrl, smtpUrl: sink?.url, redisUrl: options.redisUrl });
  try {
    const orgs: string[] = [];
    for (let i = 0; i < 100; i++)
      orgs.push((await call<{ id: string }>(`${server.url}/v1/organizations`, "POST", { name: `Org ${i}` })).id);
    const role = await call<{ id: string }>(`${server.url}/v1/roles`, "POST", { name: "member" });
    // Every request a new email, organizations in turn.
    return await measure(label, server, (i) => ({
      method: "POST",
      path: "/v1/invitations",
      headers: HEADERS,
      body: JSON.stringify({ organizationId: orgs[i % orgs.length], email: `user${i}@bench.example.com`, roleIds: [role.id] }),
    }));
  } finally {
    await server.stop();
    await sink?.close();
  }
}

async function seedInvitations(server: BenchServer, organizationId: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let done = 0; done < count; done += 1000) {
    const emails = Array.from({ length: Math.min(1000, count - done) }, (_, i) => `seed${done + i}.${organizationId}@bench.example.com`);
    const res = await call<{ results: Array<{ invitation?: { acceptUrl: string } }> }>(`${server.url}/v1/invitations/batch`, "POST", {
      organizationId,
      emails,
      sendEmail: false,
    });
    for (const r of res.results) if (r.invitation) tokens.push(new URL(r.invitation.acceptUrl).searchParams.get("token") ?? "");
  }
  return tokens;
}

async function unlimited(server: BenchServer) {
  await call(`${server.url}/v1/settings`, "PATCH", {
    limits: { invitationsPerOrganizationPerHour: 0, pendingPerOrganization: 0, membersPerOrganization: 0 },
  });
}

/**
 * Seeds through one server process, then measures a fresh process on the same data, so the
 * figures (peak RSS above all) are those of serving, not of having loaded 100,000 rows.
 */
async function seededScenario<T>(
  databaseUrl: string | undefined,
  seed: (server: BenchServer) => Promise<T>,
  run: (server: BenchServer, seeded: T) => Promise<Row>,
): Promise<Row> {
  const seeder = await startBenchServer({ databaseUrl });
  let seeded: T;
  try {
    await unlimited(seeder);
    seeded = await seed(seeder);
  } finally {
    await seeder.stop({ keepData: true });
  }
  const server = await startBenchServer({ databaseUrl, dataDir: seeder.dataDir });
  try {
    return await run(server, seeded);
  } finally {
    await server.stop();
  }
}

async function listScenario(label: string, databaseUrl?: string): Promise<Row> {
  return seededScenario(
    databaseUrl,
    async (server) => {
      const org = await call<{ id: string }>(`${server.url}/v1/organizations`, "POST", { name: "Big" });
      await seedInvitations(server, org.id, 100_000);
      return org.id;
    },
    async (server, organizationId) => {
      const first = await call<{ nextCursor: string }>(`${server.url}/v1/invitations?organizationId=${organizationId}&limit=50`, "GET");
      const paths = [
        `/v1/invitations?organizationId=${organizationId}&limit=50`,
        `/v1/invitations?organizationId=${organizationId}&limit=50&cursor=${first.nextCursor}`,
      ];
      // The first page and the second, in turn.
      return measure(label, server, (i) => ({ method: "GET", path: paths[i % 2] ?? "", headers: HEADERS }), 2, true);
    },
  );
}

async function acceptScenario(label: string, databaseUrl?: string): Promise<Row> {
  return seededScenario(
    databaseUrl,
    async (server) => {
      const tokens: string[] = [];
      for (let i = 0; i < 10; i++) {
        const org = await call<{ id: string }>(`${server.url}/v1/organizations`, "POST", { name: `Accept ${i}` });
        tokens.push(...(await seedInvitations(server, org.id, 15_000)));
      }
      return tokens;
    },
    async (server, tokens) => {
      // Each token once; a run longer than the tokens reuses them (409), which the line reports.
      return measure(
        label,
        server,
        (i) => ({
          method: "POST",
          path: "/v1/public/invitations/accept",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: tokens[i] }),
        }),
        tokens.length,
      );
    },
  );
}

/** Elastic's create of 1,000 emails, one request at a time: five timed after a warm-up. */
async function elasticBulkScenario(databaseUrl: string): Promise<string> {
  const server = await startBenchServer({ databaseUrl });
  try {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const org = await call<{ id: string }>(`${server.url}/v1/organizations`, "POST", { name: `Bulk ${i}` });
      const { ms } = await elasticBulkCreate(server.url, BENCH_KEY, org.id);
      if (i > 0) times.push(ms);
    }
    times.sort((a, b) => a - b);
    return `${"elastic 1,000-email create, PG".padEnd(32)}  median ${times[2]?.toFixed(0)} ms  max ${times[4]?.toFixed(0)} ms  (5 requests after a warm-up)`;
  } finally {
    await server.stop();
  }
}

async function deliveryScenario(label: string, databaseUrl?: string): Promise<string> {
  const result = await measureDelivery({ databaseUrl, count: 10_000 });
  return `${label.padEnd(32)}  ${result.messagesPerSecond.toFixed(0).padStart(7)} msg/s  10,000 queued invitations to a local SMTP sink in ${(result.ms / 1000).toFixed(1)} s`;
}

async function withPostgres<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await freshPostgres(PG_URL);
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

const scenarios: Array<[string, () => Promise<Row | string>]> = [
  ["create-postgres", () => withPostgres((url) => createScenario("single create, PostgreSQL", url))],
  ["create-sqlite", () => createScenario("single create, SQLite")],
  ["create-postgres-smtp", () => withPostgres((url) => createScenario("single create, PostgreSQL, SMTP", url, { smtp: true }))],
  ["create-sqlite-smtp", () => createScenario("single create, SQLite, SMTP", undefined, { smtp: true })],
  ["create-postgres-redis", () => withPostgres((url) => createScenario("single create, PostgreSQL, Redis", url, { redisUrl: REDIS_URL }))],
  ["create-sqlite-redis", () => createScenario("single create, SQLite, Redis", undefined, { redisUrl: REDIS_URL })],
  ["list-postgres", () => withPostgres((url) => listScenario("list 50 of 100k, PostgreSQL", url))],
  ["list-sqlite", () => listScenario("list 50 of 100k, SQLite")],
  ["accept-postgres", () => withPostgres((url) => acceptScenario("public accept, PostgreSQL", url))],
  ["accept-sqlite", () => acceptScenario("public accept, SQLite")],
  ["elastic-bulk-postgres", () => withPostgres((url) => elasticBulkScenario(url))],
  ["email-delivery-postgres", () => deliveryScenario("email delivery, PostgreSQL", PG_URL)],
  ["email-delivery-sqlite", () => deliveryScenario("email delivery, SQLite")],
];

function format(row: Row): string {
  return [
    row.scenario.padEnd(32),
    `${row.rps.toFixed(0).padStart(7)} req/s`,
    `p50 ${row.p50.toFixed(1).padStart(6)} ms`,
    `p99 ${row.p99.toFixed(1).padStart(6)} ms`,
    `cpu ${row.cpuMsPerRequest.toFixed(3)} ms/req`,
    `rss ${row.peakRssMb.toFixed(0).padStart(4)} MB`,
    row.note ?? "",
  ].join("  ");
}

await buildLoadgen();
console.log(`usher bench: ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s warm-up, 127.0.0.1`);
for (const [name, scenario] of scenarios) {
  if (only.length > 0 && !only.includes(name)) continue;
  try {
    const result = await scenario();
    console.log(typeof result === "string" ? result : format(result));
  } catch (error) {
    console.log(`${name.padEnd(32)}  failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
