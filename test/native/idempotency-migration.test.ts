import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { migrateTo, migrateToLatest } from "../../src/db/migrate.js";
import { createPostgresDatabase, databaseKinds } from "../helpers/harness.js";

/**
 * Migration 0005 (ADR 0023): answers stored in plain JSON by earlier versions, which hold
 * tokens, are deleted; reservations in progress stay.
 */
describe.each(databaseKinds)("idempotency retention migration (%s)", (kind) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("deletes the plain answers stored before it and keeps the reservations in progress", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "usher-migration-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const pg = kind === "postgres" ? await createPostgresDatabase() : undefined;
    if (pg) cleanups.push(() => pg.drop());
    const handle = openDatabase({ databaseUrl: pg?.url, dataDir });
    cleanups.push(() => handle.close());
    await migrateTo(handle.db, "0004-mailbox-storage");
    await sql`insert into tenants (id, name, settings, created_at) values ('ten_1', 'T', '{}', 1)`.execute(handle.db);
    await sql`insert into idempotency_keys (tenant_id, key, request_hash, status_code, body, created_at)
      values ('ten_1', 'invitations:done', 'h', 201, '{"acceptUrl":"http://x/accept?token=plain-token"}', 1),
             ('ten_1', 'invitations:busy', 'h', 0, '', 2)`.execute(handle.db);
    await migrateToLatest(handle.db, handle.kind);
    const rows = await sql<{ key: string }>`select key from idempotency_keys`.execute(handle.db);
    expect(rows.rows.map((r) => r.key)).toEqual(["invitations:busy"]);
  });
});
