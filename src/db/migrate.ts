import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { DatabaseKind } from "./database.js";
import * as initial from "./migrations/0001-initial.js";
import * as openOutboxIndex from "./migrations/0002-open-outbox-index.js";
import * as serverSecret from "./migrations/0003-server-secret.js";
import * as mailboxStorage from "./migrations/0004-mailbox-storage.js";
import * as idempotencyRetention from "./migrations/0005-idempotency-retention.js";
import * as membershipsNewestFirst from "./migrations/0006-memberships-newest-first.js";
import * as organizationStatistics from "./migrations/0007-organization-statistics.js";

/** Migrations are compiled in, so a built server needs no migration folder at run time. */
const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-open-outbox-index": openOutboxIndex,
  "0003-server-secret": serverSecret,
  "0004-mailbox-storage": mailboxStorage,
  "0005-idempotency-retention": idempotencyRetention,
  "0006-memberships-newest-first": membershipsNewestFirst,
  "0007-organization-statistics": organizationStatistics,
};

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * Applies every migration not yet applied. On PostgreSQL they run on one connection without
 * the statement timeout of serving (ADR 0028): building an index on a large table, or waiting
 * for another process's migration to finish, may take longer, and is not a request to answer.
 */
export async function migrateToLatest<T>(db: Kysely<T>, kind: DatabaseKind): Promise<string[]> {
  if (kind === "sqlite") return migrate(db);
  return db.connection().execute(async (connection) => {
    await sql`set statement_timeout = 0`.execute(connection);
    try {
      return await migrate(connection);
    } finally {
      await sql`reset statement_timeout`.execute(connection);
    }
  });
}

async function migrate<T>(db: Kysely<T>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Migrates up or down to the named migration (tests of a migration's effect on older data). */
export async function migrateTo<T>(db: Kysely<T>, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider() });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
