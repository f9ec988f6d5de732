import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { combineInserts, type InsertSpec, insertRows } from "../../src/db/bulk.js";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import { createPostgresDatabase, databaseKinds, TEST_DATABASE_URL } from "../helpers/harness.js";

const SPEC: InsertSpec = {
  table: "bulk_probe",
  columns: ["id", "k", "body", "n"],
  tail: 'on conflict do nothing returning "id"',
};

const LONG = { types: ["text", "text", "text", "integer"] };
const TEXT_SPEC: InsertSpec = { table: "bulk_text", columns: ["id", "body", "n"] };
const LONG_TEXT_SPEC: InsertSpec = { ...TEXT_SPEC, longText: { types: ["text", "text", "integer"] } };

/** Values that an array literal or a JSON text must escape, or could mistake for something else. */
const AWKWARD = [
  'a "quoted" {braced, listed} value',
  'back\\slash \\" and \\n',
  "NULL",
  "null",
  "",
  " leading and trailing ",
  "line\nbreak\ttab\r",
  "ünïcödé 日本語 😀",
  '<td style="a:b;">&amp;</td>',
  "{}",
  "'single'",
  "$1 $2 $$",
];

/**
 * Rows go in lists of 1, 2, 4 … 64 (PostgreSQL: one JSON parameter, or arrays for long text):
 * every length and every remainder writes each row once, and a row held back by a unique index
 * is left out of what the insert answers, wherever it falls in its list.
 */
describe.each(databaseKinds)("bulk inserts (%s)", (kind) => {
  let handle: DatabaseHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (kind === "postgres" && TEST_DATABASE_URL) {
      const pg = await createPostgresDatabase();
      handle = openDatabase({ databaseUrl: pg.url, dataDir: "" });
      cleanup = async () => {
        await handle.close();
        await pg.drop();
      };
    } else {
      const dataDir = mkdtempSync(path.join(tmpdir(), "usher-bulk-"));
      handle = openDatabase({ databaseUrl: undefined, dataDir });
      cleanup = async () => {
        await handle.close();
        rmSync(dataDir, { recursive: true, force: true });
      };
    }
    await sql`create table bulk_probe (id text primary key, k text not null unique, body text not null, n integer not null)`.execute(
      handle.db,
    );
    await sql`create table bulk_text (id text primary key, body text, n integer)`.execute(handle.db);
  });
  afterAll(async () => cleanup());

  for (const longText of [false, true]) {
    it(`writes every row once and answers those it wrote${longText ? " (long text)" : ""}`, async () => {
      const spec = longText ? { ...SPEC, longText: LONG } : SPEC;
      const run = longText ? "l" : "s";
      // 1 … 64 and lengths that need several lists: 65 = 64 + 1, 127 = 64 + 32 + … + 1, 200.
      for (const count of [1, 2, 3, 7, 64, 65, 127, 200]) {
        const rows = Array.from({ length: count }, (_, i) => [
          `${run}${count}-${i}`,
          `${run}${count}-k${i}`,
          "x".repeat(i % 5 === 0 ? 3000 : 10),
          i,
        ]);
        const written = await insertRows<{ id: string }>(handle.db, handle.kind, spec, rows);
        expect(written.map((r) => r.id).sort()).toEqual(rows.map((r) => r[0]).sort());
      }
      const stored = await sql<{ n: number }>`select count(*) as n from bulk_probe where id like ${`${run}%`}`.execute(handle.db);
      expect(Number(stored.rows[0]?.n)).toBe(1 + 2 + 3 + 7 + 64 + 65 + 127 + 200);
    });

    it(`leaves out rows held back by a unique index, wherever they fall${longText ? " (long text)" : ""}`, async () => {
      const spec = longText ? { ...SPEC, longText: LONG } : SPEC;
      const run = longText ? "cl" : "cs";
      // Keys taken beforehand at the start, the middle and the end of a 100-row insert.
      const taken = [0, 31, 32, 63, 64, 99];
      await insertRows(
        handle.db,
        handle.kind,
        spec,
        taken.map((i) => [`${run}-old${i}`, `${run}-k${i}`, "old", -1]),
      );
      const rows = Array.from({ length: 100 }, (_, i) => [`${run}-${i}`, `${run}-k${i}`, "new", i]);
      const written = await insertRows<{ id: string }>(handle.db, handle.kind, spec, rows);
      const expected = rows.filter((_, i) => !taken.includes(i)).map((r) => r[0]);
      expect(written.map((r) => r.id).sort()).toEqual(expected.sort());
      const kept = await sql<{ id: string }>`select id from bulk_probe where k in (${sql.join(taken.map((i) => `${run}-k${i}`))})`.execute(
        handle.db,
      );
      expect(kept.rows.map((r) => r.id).sort()).toEqual(taken.map((i) => `${run}-old${i}`).sort());
    });
  }

  for (const spec of [TEXT_SPEC, LONG_TEXT_SPEC]) {
    it(`stores awkward text and nulls exactly${spec.longText ? " (long text)" : ""}`, async () => {
      const run = spec.longText ? "al" : "as";
      const rows: unknown[][] = AWKWARD.map((body, i) => [`${run}-${i}`, body, i]);
      rows.push([`${run}-null`, null, null]);
      await insertRows(handle.db, handle.kind, spec, rows);
      const stored = await sql<{ id: string; body: string | null; n: number | null }>`
        select id, body, n from bulk_text where id like ${`${run}-%`}`.execute(handle.db);
      const byId = new Map(stored.rows.map((r) => [r.id, r]));
      for (const [id, body, n] of rows) {
        expect(byId.get(id as string)?.body).toBe(body);
        expect(byId.get(id as string)?.n ?? null).toBe(n);
      }
    });
  }

  it("stores any text exactly as long text (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 300 }), { nil: null }), { minLength: 1, maxLength: 20 }),
        async (bodies) => {
          const prefix = `ap${run++}-`;
          const rows = bodies.map((body, i) => [`${prefix}${i}`, body === null ? null : body.replaceAll("\u0000", ""), i]);
          await insertRows(handle.db, handle.kind, LONG_TEXT_SPEC, rows);
          const stored = await sql<{ id: string; body: string | null }>`
          select id, body from bulk_text where id like ${`${prefix}%`}`.execute(handle.db);
          const byId = new Map(stored.rows.map((r) => [r.id, r.body]));
          for (const [id, body] of rows) expect(byId.get(id as string)).toBe(body);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("holds inserts until the end of combineInserts and writes them in one statement", async () => {
    const count = async (like: string) =>
      Number((await sql<{ n: number }>`select count(*) as n from bulk_text where id like ${like}`.execute(handle.db)).rows[0]?.n);
    await handle.db.transaction().execute(async (trx) => {
      const answered = await combineInserts(trx, handle.kind, async () => {
        await insertRows(trx, handle.kind, TEXT_SPEC, [["m-1", "json", 1]]);
        await insertRows(trx, handle.kind, LONG_TEXT_SPEC, [
          ["m-2", AWKWARD[0], 2],
          ["m-3", AWKWARD[1], 3],
        ]);
        // An insert that answers rows runs at once.
        const probed = await insertRows<{ id: string }>(trx, handle.kind, SPEC, [["m-probe", "m-probe", "x", 0]]);
        await insertRows(trx, handle.kind, TEXT_SPEC, [["m-4", "$1", 4]]);
        const seen = Number((await sql<{ n: number }>`select count(*) as n from bulk_text where id like 'm-%'`.execute(trx)).rows[0]?.n);
        // PostgreSQL holds the four rows; SQLite has no round trip to save and writes them at once.
        expect(seen).toBe(handle.kind === "postgres" ? 0 : 4);
        return probed.map((r) => r.id);
      });
      expect(answered).toEqual(["m-probe"]);
    });
    expect(await count("m-%")).toBe(4);
    const stored = await sql<{
      id: string;
      body: string;
      n: number;
    }>`select id, body, n from bulk_text where id like 'm-%' order by id`.execute(handle.db);
    expect(stored.rows.map((r) => [r.id, r.body, Number(r.n)])).toEqual([
      ["m-1", "json", 1],
      ["m-2", AWKWARD[0], 2],
      ["m-3", AWKWARD[1], 3],
      ["m-4", "$1", 4],
    ]);
  });

  it("fails the transaction when a held insert fails, writing none of them", async () => {
    await insertRows(handle.db, handle.kind, TEXT_SPEC, [["f-taken", "old", 0]]);
    const attempt = handle.db.transaction().execute(async (trx) => {
      await combineInserts(trx, handle.kind, async () => {
        await insertRows(trx, handle.kind, TEXT_SPEC, [["f-new", "new", 1]]);
        await insertRows(trx, handle.kind, LONG_TEXT_SPEC, [["f-taken", "again", 2]]);
      });
    });
    await expect(attempt).rejects.toThrow();
    const stored = await sql<{ id: string; body: string }>`select id, body from bulk_text where id like 'f-%'`.execute(handle.db);
    expect(stored.rows).toEqual([{ id: "f-taken", body: "old" }]);
  });

  it("sends nothing when run fails before its end", async () => {
    const attempt = combineInserts(handle.db, handle.kind, async () => {
      await insertRows(handle.db, handle.kind, TEXT_SPEC, [["r-1", "x", 1]]);
      throw new Error("refused");
    });
    await expect(attempt).rejects.toThrow("refused");
    const stored = await sql<{ n: number }>`select count(*) as n from bulk_text where id = 'r-1'`.execute(handle.db);
    // SQLite wrote it at once, outside any transaction here; PostgreSQL held it and dropped it.
    expect(Number(stored.rows[0]?.n)).toBe(handle.kind === "postgres" ? 0 : 1);
  });
});
