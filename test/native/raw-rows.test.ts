import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import type { RowFields } from "../../src/db/raw-rows.js";
import { TEST_DATABASE_URL } from "../helpers/harness.js";

/** Rows read as PostgreSQL sent them (ADR 0027), on one connection so that each query follows the last. */
describe.runIf(TEST_DATABASE_URL)("rows read as they arrive (postgres)", () => {
  let handle: DatabaseHandle;

  beforeAll(() => {
    handle = openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: "unused", poolSize: 1 });
  });
  afterAll(async () => handle?.close());

  /** The columns each statement was read with, in the order run. */
  const columnsSeen: Array<{ names: readonly string[]; types: readonly number[] }> = [];

  async function read(text: string, values: unknown[], each: (row: RowFields) => unknown): Promise<unknown[]> {
    const seen: unknown[] = [];
    let columns: readonly string[] = [];
    await handle.pool?.eachRow(
      text,
      values,
      (names, types) => {
        columns = names;
        columnsSeen.push({ names, types });
      },
      (row) => seen.push(each(row)),
    );
    expect(columns.length).toBeGreaterThan(0);
    return seen;
  }

  it("reads every field of rows spread over many socket reads, nulls, signs and UTF-8 included", async () => {
    const before = handle.pool?.rawStats.raw ?? 0;
    const rows = await read(
      "select n, -n::bigint * 1000000007 as negative, repeat('é日🎉\"', n % 5) as text, 'key_' || n as id, case when n % 3 = 0 then null else n end as maybe from generate_series(1, $1::int) as n",
      [3000],
      (row) => [
        row.integer(0),
        row.integer(1),
        row.text(2),
        row.ascii(3),
        row.isNull(4) ? null : row.integer(4),
        row.size(3),
        row.firstByte(3),
      ],
    );
    expect(rows).toHaveLength(3000);
    rows.forEach((row, i) => {
      const n = i + 1;
      expect(row).toEqual([n, -n * 1000000007, 'é日🎉"'.repeat(n % 5), `key_${n}`, n % 3 === 0 ? null : n, `key_${n}`.length, 0x6b]);
    });
    expect((handle.pool?.rawStats.raw ?? 0) - before).toBe(3000);
    expect(handle.pool?.rawStats.text).toBe(0);
  });

  it("reads rows of any width", async () => {
    const columns = Array.from({ length: 100 }, (_, i) => `${i}::bigint as c${i}`).join(", ");
    const [row] = await read(`select ${columns}`, [], (fields) => Array.from({ length: 100 }, (_, i) => fields.integer(i)));
    expect(row).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("fails the query with the error of a row it could not read, and the connection goes on as before", async () => {
    const broken = new Error("this row is not readable");
    await expect(
      read("select n from generate_series(1, 10) as n", [], (row) => {
        if (row.integer(0) === 4) throw broken;
      }),
    ).rejects.toBe(broken);
    // The next statement on the same connection is read by the driver as always.
    const { rows } = await sql<{ n: number; t: string }>`select 7::bigint as n, 'seven' as t`.execute(handle.db);
    expect(rows).toEqual([{ n: 7, t: "seven" }]);
    expect(await read("select 1::int as one", [], (row) => row.integer(0))).toEqual([1]);
  });

  it("fails with PostgreSQL's error, and the connection goes on", async () => {
    await expect(read("select 1 / $1::int as n", [0], (row) => row.integer(0))).rejects.toThrow(/division by zero/);
    const { rows } = await sql<{ t: string }>`select 'after' as t`.execute(handle.db);
    expect(rows).toEqual([{ t: "after" }]);
  });

  it("asks for a named statement's columns once, and again once the statement changed under it", async () => {
    // A temporary table: the suite shares its database, and its pool is the one connection.
    await sql`create temporary table undescribed (a int, b text)`.execute(handle.db);
    await sql`insert into undescribed values (1, 'one')`.execute(handle.db);
    const pool = handle.pool;
    if (!pool) throw new Error("a PostgreSQL handle has a pool");
    const run = async () => {
      columnsSeen.length = 0;
      const rows = await read("select * from undescribed", [], (row) => [row.integer(0), row.text(1)]);
      expect(rows).toEqual([[1, "one"]]);
      return [...columnsSeen];
    };
    const described = (types: number[]) => ({ names: ["a", "b"], types });
    const before = pool.rawStats.undescribed;
    // Unnamed twice, then named and described, then named and not asked again.
    // Once each: PostgreSQL sends no description where it is not asked for one.
    for (let i = 0; i < 5; i++) expect(await run()).toEqual([described([23, 25])]);
    expect(pool.rawStats.undescribed - before).toBe(2);
    // Its result changes: PostgreSQL refuses the plan, the text is named anew and described.
    await sql`alter table undescribed alter column a type bigint`.execute(handle.db);
    expect(await run()).toEqual([described([23, 25]), described([20, 25])]);
    expect(await run()).toEqual([described([20, 25])]);
    // The refused run was sent without asking, and so was the one after the new name's first.
    expect(pool.rawStats.undescribed - before).toBe(4);
    await sql`drop table undescribed`.execute(handle.db);
  });
});
