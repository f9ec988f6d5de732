import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InsertSpec, insertRows } from "../../src/db/bulk.js";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import { createPostgresDatabase, databaseKinds, TEST_DATABASE_URL } from "../helpers/harness.js";

const SPEC: InsertSpec = {
  table: "bulk_probe",
  columns: ["id", "k", "body", "n"],
  tail: 'on conflict do nothing returning "id"',
};

/**
 * Rows go in lists of 1, 2, 4 … 64 (PostgreSQL: one JSON parameter, or lists for long text):
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
  });
  afterAll(async () => cleanup());

  for (const longText of [false, true]) {
    it(`writes every row once and answers those it wrote${longText ? " (long text)" : ""}`, async () => {
      const spec = { ...SPEC, longText };
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
      const spec = { ...SPEC, longText };
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
});
