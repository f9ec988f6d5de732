#!/usr/bin/env -S node --max-semi-space-size=8
import "dotenv/config";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { SCOPES, type Scope } from "./api-keys/scopes.js";
import { loadConfig } from "./config.js";
import { createUsher } from "./container.js";
import { SecretBox } from "./core/crypto.js";
import { openDatabase } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import { adoptServerSecret } from "./db/server-secret.js";
import { SYSTEM_ACTOR } from "./events/event-service.js";
import { startServer } from "./server.js";

const HELP = `usher <command>

  serve                              start the HTTP server (migrates first)
  migrate                            apply database migrations and exit
  tenants create <name>              create a tenant and print its admin key
  keys create --tenant <id> [--name <name>] [--scope <scope>]... [--user <user id>]
                                     create an API key and print it once
  secret adopt                       make this server secret the database's (after a change:
                                     existing invitation tokens stop working)

Configuration comes from the environment (and a .env file): see the README.`;

/**
 * The collector's settings for the served process, each unless given on the command line or in
 * `NODE_OPTIONS`:
 * - The server's live heap is small (about 40 MB) and most of what it allocates dies young, so
 *   V8's default of letting the old generation grow to several times the live size after each
 *   full collection mostly holds garbage. Growing it by half instead keeps peak memory some
 *   30 MB lower at the same throughput (ADR 0009).
 * - On PostgreSQL, no pretenuring (ADR 0026): a request's objects wait on the database's
 *   answers across young collections, V8 then allocates them in the old generation directly,
 *   and full collections came twice a second under list pages. On SQLite, where the database
 *   answers within the same turn, pretenuring pays for itself.
 */
function tuneCollector(postgres: boolean): void {
  const given = (flag: string) => [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) => arg.includes(flag));
  if (!given("heap-growing-percent")) setFlagsFromString("--heap-growing-percent=50");
  if (postgres && !given("allocation-site-pretenuring")) setFlagsFromString("--no-allocation-site-pretenuring");
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case "serve": {
      tuneCollector(config.databaseUrl !== undefined);
      const server = await startServer(config);
      const shutdown = (signal: string) => {
        server.usher.log.info({ signal }, "shutting down");
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            server.usher.log.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      return -1;
    }
    case "migrate": {
      const usher = await createUsher(config);
      process.stdout.write(`migrations applied (${usher.database.kind})\n`);
      await usher.close();
      return 0;
    }
    case "tenants": {
      if (sub !== "create" || !rest[0]) break;
      const usher = await createUsher(config);
      try {
        const { tenant, apiKey } = await usher.tenants.create(SYSTEM_ACTOR, { name: rest.join(" ") });
        process.stdout.write(`tenant ${tenant.id}\nadmin key (shown once): ${apiKey.key}\n`);
      } finally {
        await usher.close();
      }
      return 0;
    }
    case "keys": {
      if (sub !== "create") break;
      const { values } = parseArgs({
        args: rest,
        options: {
          tenant: { type: "string" },
          name: { type: "string" },
          scope: { type: "string", multiple: true },
          user: { type: "string" },
        },
      });
      if (!values.tenant) break;
      const scopes = (values.scope ?? []) as Scope[];
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length > 0) {
        process.stderr.write(`unknown scope ${unknown.join(", ")}; known: ${SCOPES.join(", ")}\n`);
        return 2;
      }
      const usher = await createUsher(config);
      try {
        const created = await usher.apiKeys.createStandalone(values.tenant, SYSTEM_ACTOR, {
          name: values.name ?? "cli",
          scopes,
          userId: values.user ?? null,
        });
        process.stdout.write(`key ${created.apiKey.id} scopes ${created.apiKey.scopes.join(",")}\n${created.key}\n`);
      } finally {
        await usher.close();
      }
      return 0;
    }
    case "secret": {
      if (sub !== "adopt") break;
      const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrateToLatest(database.db, database.kind);
        await adoptServerSecret(database.db, new SecretBox(config.secret).fingerprint, Date.now());
        process.stdout.write("this server secret is now the database's\n");
      } finally {
        await database.close();
      }
      return 0;
    }
    default:
      break;
  }
  process.stderr.write(`${HELP}\n`);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`usher: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
