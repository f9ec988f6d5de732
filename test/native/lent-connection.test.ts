import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import { createPostgresDatabase, TEST_DATABASE_URL } from "../helpers/harness.js";

/**
 * A connection the server ends while a transaction holds it (a restart, a terminated backend)
 * fails that transaction and is heard, rather than thrown from the socket's handler where it
 * would end the process; the pool serves the next transaction on a new connection.
 */
describe.skipIf(!TEST_DATABASE_URL)("a lent connection the server ends (postgres)", () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  const heard: Error[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    database = await createPostgresDatabase();
    handle = openDatabase({ databaseUrl: database.url, dataDir: "", poolSize: 1, onConnectionError: (error) => heard.push(error) });
    await sql`create table t (id integer primary key)`.execute(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const ids = async () => (await sql<{ id: number }>`select id from t order by id`.execute(handle.db)).rows.map((r) => r.id);

  async function terminate(pid: number | undefined): Promise<void> {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("select pg_terminate_backend($1)", [pid]);
    await admin.end();
  }

  it("fails the transaction, tells the listener, and runs the next transaction", async () => {
    // Vitest would report an uncaught error of its own, but the test must also fail here.
    process.on("uncaughtException", onUncaught);
    try {
      await expect(
        handle.db.transaction().execute(async (trx) => {
          await sql`insert into t values (1)`.execute(trx);
          await terminate((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid);
          // The server's message arrives while no statement is in flight.
          await new Promise((resolve) => setTimeout(resolve, 100));
          await sql`insert into t values (2)`.execute(trx);
        }),
      ).rejects.toThrow();
      expect(heard.map((error) => error.message).join()).toMatch(/terminating connection/);
      await handle.db.transaction().execute((trx) => sql`insert into t values (3)`.execute(trx));
      expect(await ids()).toEqual([3]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
