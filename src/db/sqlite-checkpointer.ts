import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

/**
 * WAL checkpoints on a thread of their own (ADR 0008). SQLite otherwise copies the log back
 * into the database inside whichever commit passes the threshold, which holds the event loop
 * for as long as it takes to write tens of megabytes. Here a second connection runs a passive
 * checkpoint a few times a second: it never blocks the writer, and the writer starts the log
 * over once it has been copied, so the log stays small. Should the thread fail, the main
 * connection takes the automatic checkpoints back.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(
    private readonly sqlite: SQLite.Database,
    file: string,
    intervalMs = 200,
    private readonly fallbackPages = 10_000,
  ) {
    const modulePath = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath, file, intervalMs } });
    this.worker.unref();
    sqlite.pragma("wal_autocheckpoint = 0");
    const fallback = () => {
      if (!this.stopped && this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${this.fallbackPages}`);
    };
    this.worker.on("error", fallback);
    this.worker.on("exit", fallback);
  }

  async stop(): Promise<void> {
    this.stopped = true;
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

/** CommonJS, run with `eval`: it loads better-sqlite3 from the path the main thread resolved. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // busy or locked: the next round tries again
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;
