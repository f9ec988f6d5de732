import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * HTTP load from `loadgen.c`, a small native closed-loop client built here with the system C
 * compiler: a load generator in this Node process would take a good part of the two cores it
 * shares with the server and the database. Its connections stay open from the warm-up into the
 * measured window, so no measured request waits for a connection to be accepted, and latency is
 * that of each request (no coordinated-omission correction).
 */
export interface LoadOptions {
  url: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Request i of the run (sent in order, wrapping after `count`). */
  request: (i: number) => HttpRequest;
  count: number;
  /** Called as the measured window opens and closes. */
  onMeasure?: () => void;
  onEnd?: () => void;
}

export interface HttpRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and connection errors in the measured window. */
  bad: number;
  /** How many times the run went through all `count` requests. */
  wrapped: number;
}

const SOURCE = fileURLToPath(new URL("./loadgen.c", import.meta.url));

/** Builds the load generator once per source version; answers the binary's path. */
export async function buildLoadgen(): Promise<string> {
  const source = readFileSync(SOURCE);
  const dir = path.join(tmpdir(), "usher-loadgen");
  const binary = path.join(dir, `loadgen-${createHash("sha256").update(source).digest("hex").slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(process.env.CC ?? "cc", ["-O2", "-o", binary, SOURCE], (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    throw new Error(`the benchmark builds bench/loadgen.c with a C compiler (Debian: apt-get install -y gcc): ${String(error)}`);
  }
  return binary;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const binary = await buildLoadgen();
  const url = new URL(options.url);
  const dir = mkdtempSync(path.join(tmpdir(), "usher-load-"));
  const file = path.join(dir, "requests");
  const parts: Buffer[] = [];
  for (let i = 0; i < options.count; i++) {
    const raw = Buffer.from(rawRequest(url.host, options.request(i)));
    parts.push(Buffer.from(`${raw.length}\n`), raw);
  }
  writeFileSync(file, Buffer.concat(parts));
  try {
    const args = [file, url.hostname, url.port, String(options.connections), String(options.warmupSeconds), String(options.seconds)];
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    // A line can arrive split over two chunks: only whole lines are read.
    let partial = "";
    let ended = false;
    child.stderr.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "measure") options.onMeasure?.();
        else if (line === "end") {
          ended = true;
          options.onEnd?.();
        } else if (line) stderr += `${line}\n`;
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (partial === "end" && !ended) options.onEnd?.();
    else if (partial) stderr += partial;
    if (code !== 0) throw new Error(`loadgen exited with ${code}: ${stderr.trim()}`);
    const result = JSON.parse(stdout) as {
      requests: number;
      rps: number;
      p50: number;
      p99: number;
      non2xx: number;
      errors: number;
      wrapped: number;
    };
    return {
      requests: result.requests,
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      bad: result.non2xx + result.errors,
      wrapped: result.wrapped,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rawRequest(host: string, request: HttpRequest): string {
  const headers: Record<string, string> = { host, ...request.headers };
  if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${request.method} ${request.path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n${request.body ?? ""}`;
}
