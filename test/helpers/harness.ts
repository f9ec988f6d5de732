import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import pino from "pino";
import { buildApp } from "../../src/app.js";
import type { Config } from "../../src/config.js";
import { createUsher, type Overrides, type Usher } from "../../src/container.js";
import { type OpenDatabaseOptions, openDatabase } from "../../src/db/database.js";
import { SYSTEM_ACTOR } from "../../src/events/event-service.js";

export type DbKind = "sqlite" | "postgres";

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI always sets it). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const databaseKinds: DbKind[] = TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

export const ADMIN_KEY = "key_testadmin.s3cret-s3cret-s3cret-s3cret";

export interface TestContext {
  kind: DbKind;
  usher: Usher;
  app: FastifyInstance;
  config: Config;
  /** The bootstrap key: admin + platform on the default tenant. */
  adminKey: string;
  tenantId: string;
  close(): Promise<void>;
}

/** A fresh PostgreSQL database for one suite, dropped afterwards. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `usher_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    publicUrl: "http://usher.test",
    databaseUrl: undefined,
    dataDir: "",
    secret: "test-secret-test-secret-test-secret",
    bootstrapKey: ADMIN_KEY,
    smtpUrl: undefined,
    redisUrl: undefined,
    logLevel: "silent",
    listThreads: 1,
    listConnections: 1,
    ...overrides,
  };
}

export async function createTestContext(
  kind: DbKind,
  options: {
    config?: Partial<Config>;
    overrides?: Overrides;
    startWorker?: boolean;
    /** PostgreSQL: the database handle's own options (its timeouts), for the context's database. */
    database?: Pick<OpenDatabaseOptions, "statementTimeoutMs" | "connectTimeoutMs">;
  } = {},
): Promise<TestContext> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "usher-test-"));
  const pgDb = kind === "postgres" ? await createPostgresDatabase() : undefined;
  const config = testConfig({ dataDir, databaseUrl: pgDb?.url, ...options.config });
  const database = pgDb && options.database ? openDatabase({ databaseUrl: pgDb.url, dataDir, ...options.database }) : undefined;
  const usher = await createUsher(config, { log: pino({ level: config.logLevel }), ...(database && { database }), ...options.overrides });
  const boot = await usher.tenants.bootstrap(SYSTEM_ACTOR, config.bootstrapKey);
  if (!boot) throw new Error("bootstrap did not run on a fresh database");
  const app = await buildApp(usher);
  await app.ready();
  if (options.startWorker) usher.worker.start();
  return {
    kind,
    usher,
    app,
    config,
    adminKey: ADMIN_KEY,
    tenantId: boot.tenant.id,
    async close() {
      await app.close();
      await usher.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Another Usher on the context's database and configuration, as a second process would run it. */
export async function secondInstance(
  ctx: TestContext,
  overrides: Overrides = {},
): Promise<{ usher: Usher; app: FastifyInstance; close(): Promise<void> }> {
  const usher = await createUsher(ctx.config, { log: pino({ level: "silent" }), ...overrides });
  const app = await buildApp(usher);
  await app.ready();
  return {
    usher,
    app,
    async close() {
      await app.close();
      await usher.close();
    },
  };
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: import("node:http").OutgoingHttpHeaders;
  text: string;
}

/** A tiny HTTP client over `inject`, authenticated with a native API key. */
export function client(app: FastifyInstance, key: string | null) {
  const call = async <T = Record<string, unknown>>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> => {
    const response = await app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(body !== undefined && { payload: body as object }),
    });
    let parsed: unknown = response.body;
    try {
      parsed = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.statusCode, body: parsed as T, headers: response.headers, text: response.body };
  };
  return {
    get: <T = Record<string, unknown>>(url: string, headers?: Record<string, string>) => call<T>("GET", url, undefined, headers),
    post: <T = Record<string, unknown>>(url: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>("POST", url, body, headers),
    put: <T = Record<string, unknown>>(url: string, body?: unknown) => call<T>("PUT", url, body),
    patch: <T = Record<string, unknown>>(url: string, body?: unknown) => call<T>("PATCH", url, body),
    delete: <T = Record<string, unknown>>(url: string) => call<T>("DELETE", url),
  };
}

export type Client = ReturnType<typeof client>;

/** Organization, role and a helper to invite: the common setup of invitation tests. */
export async function seedOrganization(api: Client, name = "Acme") {
  const org = await api.post<{ id: string }>("/v1/organizations", { name });
  const role = await api.post<{ id: string }>("/v1/roles", { name: `member-${randomBytes(3).toString("hex")}` });
  if (org.status !== 201 || role.status !== 201) throw new Error(`seed failed: ${org.text} ${role.text}`);
  return { organizationId: org.body.id, roleId: role.body.id };
}

export function tokenOf(acceptUrl: string | null | undefined): string {
  if (!acceptUrl) throw new Error("no accept URL");
  const token = new URL(acceptUrl).searchParams.get("token");
  if (!token) throw new Error("accept URL has no token");
  return token;
}

let counter = 0;
export function uniqueEmail(prefix = "person"): string {
  counter += 1;
  return `${prefix}.${counter}.${randomBytes(3).toString("hex")}@example.com`;
}

/**
 * Limits count in fixed windows aligned to the clock (a minute, ten minutes). A test that makes
 * N calls and expects the (N+1)th refused waits out the last second of a window first, so the
 * window cannot turn over in the middle of it.
 */
export async function awayFromWindowEdge(windowMs = 60_000, marginMs = 1_500): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
