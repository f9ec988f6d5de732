import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import type { Database } from "../../src/db/schema.js";
import { createPostgresDatabase, TEST_DATABASE_URL } from "../helpers/harness.js";

/** Named prepared statements (ADR 0004) against a real PostgreSQL. */
describe.skipIf(!TEST_DATABASE_URL)("prepared statements (postgres)", () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    handle = openDatabase({ databaseUrl: database.url, dataDir: "", poolSize: 1 });
    await sql`create table t (id integer primary key, a text)`.execute(handle.db);
    await sql`insert into t values (1, 'one'), (2, 'two')`.execute(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const read = (db: Kysely<Database> = handle.db) =>
    db
      .selectFrom("t" as never)
      .selectAll()
      .orderBy("id" as never)
      .execute();

  it("keeps answering a named text after its table changes under it", async () => {
    // Past the runs after which the text is named, on the pool's one connection.
    for (let i = 0; i < 5; i++)
      expect(await read()).toEqual([
        { id: 1, a: "one" },
        { id: 2, a: "two" },
      ]);
    // Another process migrates: `select *` now has another result type.
    await sql`alter table t add column b text default 'x'`.execute(handle.db);
    const after = [
      { id: 1, a: "one", b: "x" },
      { id: 2, a: "two", b: "x" },
    ];
    expect(await read()).toEqual(after);
    expect(await read()).toEqual(after);
  });

  it("fails only the transaction that met the change; the next one prepares anew", async () => {
    const inTransaction = () => handle.db.transaction().execute((trx) => read(trx));
    for (let i = 0; i < 5; i++) await inTransaction();
    await sql`alter table t add column c text default 'y'`.execute(handle.db);
    await expect(inTransaction()).rejects.toThrow(/cached plan must not change result type/);
    expect(await inTransaction()).toEqual([
      { id: 1, a: "one", b: "x", c: "y" },
      { id: 2, a: "two", b: "x", c: "y" },
    ]);
  });
});
