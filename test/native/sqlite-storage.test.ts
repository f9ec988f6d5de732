import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";

/** The embedded database under load from outside the HTTP layer (ADR 0008). */
describe("SQLite storage", () => {
  const dirs: string[] = [];
  const handles: DatabaseHandle[] = [];
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open(checkpoints?: Parameters<typeof openDatabase>[0]["checkpoints"]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "usher-sqlite-"));
    dirs.push(dataDir);
    const handle = openDatabase({ databaseUrl: undefined, dataDir, checkpoints });
    handles.push(handle);
    return { handle, file: path.join(dataDir, "usher.sqlite") };
  }

  it("keeps the log bounded while writes never pause", async () => {
    const { handle, file } = open({ intervalMs: 20, restartPages: 256 });
    const { db } = handle;
    await sql`create table load (id integer primary key, k text not null, body text not null)`.execute(db);
    await sql`create index load_k on load (k)`.execute(db);
    const body = "x".repeat(1500);
    let written = 0;
    let largestLog = 0;
    const started = Date.now();
    // Back-to-back transactions with random keys, as a stream of creates writes them, for
    // long enough to write the log many times over its restart size.
    while (Date.now() - started < 2_500) {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 20; i++) {
          await sql`insert into load (k, body) values (${Math.random().toString(36)}, ${body})`.execute(trx);
        }
      });
      written += 20 * body.length;
      largestLog = Math.max(largestLog, statSync(`${file}-wal`).size);
      // Let the checkpointer's messages in, as a server's event loop would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(written).toBeGreaterThan(20 * 1024 * 1024);
    // Every byte goes through the log at least once (index pages many times: six times over
    // here), so a log that is never started over ends larger than all that was written. The
    // restart size is 1 MiB (256 pages of 4 KiB); the log outgrows it by what is written while
    // the checkpointer copies the rest, more on a busy machine, but stays a part of the whole.
    expect(largestLog).toBeLessThan(written);
    const count = await sql<{ n: number }>`select count(*) as n from load`.execute(db);
    expect(count.rows[0]?.n).toBe(written / body.length);
  }, 20_000);

  it("waits for a write lock held by another connection instead of failing", async () => {
    const { handle, file } = open();
    const { db } = handle;
    await sql`create table t (id integer primary key, v text)`.execute(db);
    // Another connection (as the CLI would be) holds the write lock for 300 ms.
    const holder = new Worker(
      `
      const { parentPort, workerData } = require("node:worker_threads");
      const Database = require(workerData.modulePath);
      const other = new Database(workerData.file);
      other.exec("begin immediate");
      other.exec("insert into t (v) values ('other')");
      parentPort.postMessage("locked");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      other.exec("commit");
      other.close();
      `,
      { eval: true, workerData: { modulePath: createRequire(import.meta.url).resolve("better-sqlite3"), file } },
    );
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    await new Promise((resolve) => holder.once("message", resolve));
    // Reads first, then writes: a deferred transaction would get SQLITE_BUSY at the write.
    const values = await db.transaction().execute(async (trx) => {
      const before = await sql<{ v: string }>`select v from t`.execute(trx);
      await sql`insert into t (v) values ('mine')`.execute(trx);
      return before.rows.map((r) => r.v);
    });
    await exited;
    expect(values).toEqual(["other"]);
    const after = await sql<{ v: string }>`select v from t order by id`.execute(db);
    expect(after.rows.map((r) => r.v)).toEqual(["other", "mine"]);
  });
});
