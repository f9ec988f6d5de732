import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * HTTP load from wrk, a separate native process: a load generator in this Node process would
 * take a good part of the two cores it shares with the server and the database.
 */
export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /**
   * Lua that defines `request()` for wrk. It may read `run` (unique to each load run, so a
   * warm-up and the measured run never repeat a body), `thread` (1-based) and `threads`.
   */
  script: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, socket errors and timeouts. */
  bad: number;
}

const THREADS = Number(process.env.BENCH_THREADS ?? 1);
let runs = 0;

export async function assertWrk(): Promise<void> {
  try {
    await exec("wrk", ["--version"]);
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is a failure.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("the benchmark needs wrk on the PATH (Debian: apt-get install -y wrk)");
    }
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  runs += 1;
  const dir = mkdtempSync(path.join(tmpdir(), "usher-load-"));
  const file = path.join(dir, "load.lua");
  writeFileSync(file, `${PRELUDE}\n${options.script}\n`);
  try {
    const args = ["-t", String(THREADS), "-c", String(options.connections), "-d", `${options.seconds}s`, "--timeout", "10s", "--latency"];
    const { stdout } = await exec("wrk", [...args, "-s", file, options.url, "--", `${process.pid}${runs}`]);
    if (process.env.BENCH_RAW) console.log(stdout);
    return parseWrk(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Thread numbering shared by every script. */
const PRELUDE = `
local counter = 0
setup = function(t)
  counter = counter + 1
  t:set("thread", counter)
  t:set("threads", ${THREADS})
end
init = function(args)
  run = args[1]
  if on_init then on_init() end
end
`;

/** Reads wrk's summary: requests/s, the 50th and 99th latency percentiles, failures. */
export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const latency = (percent: number) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    if (!match) throw new Error(`wrk printed no ${percent}% latency:\n${output}`);
    const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as "us" | "ms" | "s" | "m"];
    return Number(match[1]) * scale;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: latency(50),
    p99: latency(99),
    bad: number(/Non-2xx or 3xx responses: (\d+)/) + socketErrors,
  };
}

function exec(command: string, args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 20 }, (error, stdout) => (error ? reject(error) : resolve({ stdout })));
  });
}

/** A Lua string literal. */
export function lua(value: string): string {
  return JSON.stringify(value);
}
