import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";

/** Runtime configuration, read once from the environment (PRODUCT.md §6). */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  secret: string;
  bootstrapKey: string | undefined;
  smtpUrl: string | undefined;
  redisUrl: string | undefined;
  logLevel: string;
  /** SQLite: threads that write list pages (ADR 0014); 0 writes them on the event loop. */
  listThreads: number;
  /** PostgreSQL: connections that carry list pages pipelined (ADR 0033); 0 sends them through the pool. */
  listConnections: number;
}

export type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const port = parsePort(env.PORT ?? "3000");
  const host = env.HOST ?? "127.0.0.1";
  const dataDir = path.resolve(env.USHER_DATA_DIR ?? "./data");
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  return {
    port,
    host,
    publicUrl: (nonEmpty(env.USHER_PUBLIC_URL) ?? `http://${host}:${port}`).replace(/\/+$/, ""),
    databaseUrl,
    dataDir,
    secret: nonEmpty(env.USHER_SECRET) ?? readOrCreateSecret(dataDir),
    bootstrapKey: nonEmpty(env.USHER_BOOTSTRAP_KEY),
    smtpUrl: nonEmpty(env.SMTP_URL),
    redisUrl: nonEmpty(env.REDIS_URL),
    logLevel: env.LOG_LEVEL ?? "info",
    // Two where there are two cores to run them (ADR 0014).
    listThreads: parseCount("USHER_LIST_THREADS", env.USHER_LIST_THREADS ?? String(Math.min(2, availableParallelism())), 16),
    // One per two cores: a busy connection's process never waits to be woken (ADR 0033).
    listConnections: parseCount(
      "USHER_LIST_CONNECTIONS",
      env.USHER_LIST_CONNECTIONS ?? String(Math.max(1, Math.floor(availableParallelism() / 2))),
      64,
    ),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function parseCount(name: string, value: string, most: number): number {
  const count = Number(value);
  if (!/^\d{1,3}$/.test(value) || count > most) {
    throw new Error(`${name} must be an integer between 0 and ${most}, got "${value}"`);
  }
  return count;
}

/** The server key is generated once into the data directory when USHER_SECRET is not given. */
function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, "secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}
