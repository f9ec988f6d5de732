import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

export const BENCH_KEY = "key_benchadmin.bench-secret-bench-secret";

export interface BenchServer {
  url: string;
  pid: number;
  dataDir: string;
  cpuMs(): number;
  peakRssMb(): number;
  /** Starts a new peak-RSS measurement (Linux: clear_refs 5 resets VmHWM). */
  resetPeakRss(): void;
  /** How the process ended, if it has: a run that outlived its server is not to be trusted. */
  exitReason(): string | undefined;
  /** Stops the process; `keepData` leaves the SQLite folder for a next process. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  databaseUrl?: string;
  /** Reuse the data folder of an earlier process (its SQLite file and secret). */
  dataDir?: string;
  smtpUrl?: string;
  /** Limit counters in Redis (`REDIS_URL`); unset, the server counts in memory. */
  redisUrl?: string;
}

/** A fresh PostgreSQL database for one scenario. */
export async function freshPostgres(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `usher_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * The Node flags `npm start` gives the server (ADR 0018), read from its script, so that the
 * benchmark measures the server as it is started.
 */
function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: { start: string } }).scripts
    .start;
  const words = start.split(/\s+/);
  return words.slice(words.indexOf("node") + 1, words.indexOf("dist/cli.js")).filter((word) => word.startsWith("--"));
}

/**
 * A port nothing listens on, below Linux's ephemeral range (32768 and up) where the load
 * generator's own connections live. Tried by listening on it: services of the machine sit in
 * that range too (RabbitMQ's 25672, say), and a server that cannot listen ends.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Starts the built server (`dist/cli.js serve`, as `npm start` does) as its own process on a free port. */
export async function startBenchServer(options: StartOptions = {}): Promise<BenchServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // A port taken by another process since we picked it: pick another.
      if (attempt >= 5) throw error;
    }
  }
}

async function startOnce(options: StartOptions): Promise<BenchServer> {
  const { databaseUrl, smtpUrl, redisUrl } = options;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "usher-bench-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...startFlags(), ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "dist/cli.js", "serve"],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        USHER_DATA_DIR: dataDir,
        USHER_BOOTSTRAP_KEY: BENCH_KEY,
        LOG_LEVEL: "warn",
        DATABASE_URL: databaseUrl ?? "",
        SMTP_URL: smtpUrl ?? "",
        REDIS_URL: redisUrl ?? "",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  let exited = false;
  let exitReason: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      exitReason = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`the server exited while starting on port ${port}`);
    if (i === 200) {
      child.kill("SIGKILL");
      throw new Error("the server did not become ready");
    }
    try {
      // Bounded: a port taken since it was picked may belong to a service that never answers.
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid ?? 0;
  const ticks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]);
  };
  return {
    url,
    pid,
    dataDir,
    cpuMs: () => ticks() * 10,
    // A process that is exiting (a zombie until reaped) has no memory figures left.
    exitReason: () => exitReason ?? (/VmHWM:/.test(readFileSync(`/proc/${pid}/status`, "utf8")) ? undefined : "exiting"),
    resetPeakRss: () => {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        // not Linux, or not permitted: the peak then covers the whole life of the process
      }
    },
    peakRssMb: () => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return match?.[1] ? Number(match[1]) / 1024 : 0;
    },
    async stop(options: { keepData?: boolean } = {}) {
      if (!exited) child.kill("SIGTERM");
      await exit;
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the native API with the bench admin key. */
export async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${BENCH_KEY}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
