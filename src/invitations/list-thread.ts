import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import { SecretBox } from "../core/crypto.js";
import { withStatementCache } from "../db/sqlite-statements.js";
import { DocumentTail } from "./document-tail.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";
import { type ListPageJob, writeListPage } from "./list-page.js";
import type { ListThreadData, ListThreadReply } from "./list-threads.js";

/**
 * A list thread (ADR 0014): runs a list page's compiled statements on its own read-only
 * connection to the SQLite file and writes the page, so that the event loop only parses,
 * routes, builds the query and answers. It loads no query builder.
 */
const { file, secret, tail } = workerData as ListThreadData;
const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
sqlite.pragma("busy_timeout = 5000");
sqlite.pragma("cache_size = -4096");
const statements = withStatementCache(sqlite, 64);
const box = new SecretBox(secret);
const document = new DocumentTail(tail);

parentPort?.on("message", ({ id, job }: { id: number; job: ListPageJob }) => {
  let reply: ListThreadReply;
  try {
    const rows = statements.prepare(job.rows.sql).all(job.rows.parameters) as InvitationDocumentRow[];
    const counted = job.count ? (statements.prepare(job.count.sql).all(job.count.parameters)[0] as { n: number }) : undefined;
    const page = writeListPage(rows, counted === undefined ? undefined : Number(counted.n), document, box, job.view);
    // Its own memory (never Buffer's shared pool), handed over rather than copied.
    const body = Buffer.allocUnsafeSlow(Buffer.byteLength(page));
    body.write(page);
    parentPort?.postMessage({ id, body: body.buffer } satisfies ListThreadReply, [body.buffer]);
    return;
  } catch (error) {
    // The text stays in the server's log; the caller is answered as for any server error.
    reply = { id, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  parentPort?.postMessage(reply);
});
