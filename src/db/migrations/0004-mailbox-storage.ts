import { type Kysely, PostgresAdapter, sql } from "kysely";

/**
 * PostgreSQL keeps a captured message in its row, compressed with LZ4 where the server has it
 * (ADR 0016). A row of 4 kB (3.5 kB of HTML) was compressed with pglz and, still over the
 * 2 kB at which PostgreSQL starts moving values out, written to the TOAST table and its index
 * as well: pglz alone was the database's busiest function under single creates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table mailbox set (toast_tuple_target = 4000)`.execute(db);
  // A server built without LZ4 (or older than 14) keeps pglz.
  await sql`do $$ begin
    execute 'alter table mailbox alter column html set compression lz4, alter column text set compression lz4';
  exception when feature_not_supported or syntax_error or invalid_parameter_value then null;
  end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter table mailbox reset (toast_tuple_target)`.execute(db);
  await sql`do $$ begin
    execute 'alter table mailbox alter column html set compression default, alter column text set compression default';
  exception when syntax_error then null;
  end $$`.execute(db);
}
