import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Every process that shares a database must use the same server secret: the lookup hash of
 * each invitation token, the encryption of tokens and SMTP passwords and the signature of Logto
 * access tokens all derive from it (ADR 0003). The first start records the secret's
 * fingerprint; a later start with another secret (a second process with its own generated
 * secret, a lost data folder, a changed `USHER_SECRET`) stops with this error.
 */
export class ServerSecretMismatch extends Error {
  constructor() {
    super(
      "this database was set up with another server secret: every Usher process that shares it must use the same USHER_SECRET " +
        "(without one, each data folder generates its own, in <data dir>/secret). To start over with this secret instead, " +
        "run `usher secret adopt`: the tokens of every existing invitation, Logto access tokens and stored SMTP passwords then stop working.",
    );
    this.name = "ServerSecretMismatch";
  }
}

const ROW = 1;

/** Records the fingerprint on first use; throws `ServerSecretMismatch` when it differs. */
export async function checkServerSecret(db: Kysely<Database>, fingerprint: string, now: number): Promise<void> {
  await db
    .insertInto("server_secret")
    .values({ id: ROW, fingerprint, recorded_at: now })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const row = await db.selectFrom("server_secret").select("fingerprint").where("id", "=", ROW).executeTakeFirst();
  if (row?.fingerprint !== fingerprint) throw new ServerSecretMismatch();
}

/** Makes this secret the database's, whatever it was set up with. */
export async function adoptServerSecret(db: Kysely<Database>, fingerprint: string, now: number): Promise<void> {
  await db
    .insertInto("server_secret")
    .values({ id: ROW, fingerprint, recorded_at: now })
    .onConflict((oc) => oc.column("id").doUpdateSet({ fingerprint, recorded_at: now }))
    .execute();
}
