import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";
import type { ConnectionGate } from "./sqlite-dialect.js";

export interface CheckpointerOptions {
  /** How often the thread copies the log into the database. */
  intervalMs?: number;
  /** Log size (pages) past which the log is started over from the beginning. */
  restartPages?: number;
  /** Longest time the server's connection waits for a restart before going on regardless. */
  pauseLimitMs?: number;
  /** Pages of automatic checkpoints should the thread fail. */
  fallbackPages?: number;
}

/**
 * WAL checkpoints on a thread of their own (ADR 0008). SQLite otherwise copies the log back
 * into the database inside whichever commit passes the threshold, which holds the event loop
 * for as long as it takes to write tens of megabytes. Here a second connection runs a passive
 * checkpoint a few times a second, which never blocks the writer. A log that is written to
 * without a pause is never wholly copied, so it would grow without bound: once it passes
 * `restartPages`, the thread asks for the database to itself, the server's connection stops at
 * its gate (requests wait on a promise, the event loop goes on), and the thread copies the
 * last pages and starts the log over. Should the thread fail, the main connection takes the
 * automatic checkpoints back.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly pauseLimitMs: number;
  private stopped = false;
  private resume: (() => void) | undefined;

  constructor(
    private readonly sqlite: SQLite.Database,
    file: string,
    private readonly gate: ConnectionGate,
    options: CheckpointerOptions = {},
  ) {
    const modulePath = createRequire(import.meta.url).resolve("better-sqlite3");
    const { intervalMs = 200, restartPages = 65_536, pauseLimitMs = 250, fallbackPages = 10_000 } = options;
    this.pauseLimitMs = pauseLimitMs;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath, file, intervalMs, restartPages } });
    this.worker.unref();
    sqlite.pragma("wal_autocheckpoint = 0");
    const fallback = () => {
      this.resume?.();
      if (!this.stopped && this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${fallbackPages}`);
    };
    this.worker.on("message", (message) => {
      if (message === "pause") void this.pause();
      else if (message === "restarted") this.resume?.();
    });
    this.worker.on("error", fallback);
    this.worker.on("exit", fallback);
  }

  /** Closes the gate, and once the connection is idle lets the thread restart the log. */
  private async pause(): Promise<void> {
    const open = await this.gate.close();
    if (this.stopped) return open();
    const timer = setTimeout(() => this.resume?.(), this.pauseLimitMs);
    this.resume = () => {
      clearTimeout(timer);
      this.resume = undefined;
      open();
    };
    this.worker.postMessage("restart");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resume?.();
    this.worker.postMessage("stop");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2_000);
      this.worker.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * CommonJS, run with `eval`: it loads better-sqlite3 from the path the main thread resolved.
 * A second passive pass before asking for the pause copies what was written during the first,
 * so the restart itself has only a few pages left to copy.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
let asked = false;
const passive = () => db.pragma("wal_checkpoint(PASSIVE)")[0];
const timer = setInterval(() => {
  if (asked) return;
  try {
    if (passive().log < workerData.restartPages) return;
    passive();
    asked = true;
    parentPort.postMessage("pause");
  } catch {
    // busy or locked: the next round tries again
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "restart") {
    try {
      db.pragma("wal_checkpoint(RESTART)");
    } catch {
      // busy: the log is started over at a later round
    }
    asked = false;
    parentPort.postMessage("restarted");
    return;
  }
  if (message !== "stop") return;
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;
