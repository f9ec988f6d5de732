import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";
import { SecretBox } from "../core/crypto.js";
import { withStatementCache } from "../db/sqlite-statements.js";
import { DocumentTail } from "./document-tail.js";
import type { InvitationDocumentRow } from "./invitation-queries.js";
import { writeListPage } from "./list-page.js";
import type { ListThreadData, ListThreadMessage, ListThreadReply } from "./list-threads.js";
import { PAGE_MEMORY, PageBytes } from "./page-bytes.js";

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

/** Pages' memory given back by the event loop (`ListThreads.reuse`), for the next pages. */
const spare: ArrayBuffer[] = [];
const SPARE_AT_MOST = 64;
/** Memory for the next page: a spare one, or new. */
function memory(): Buffer {
  return Buffer.from(spare.pop() ?? new ArrayBuffer(PAGE_MEMORY));
}

parentPort?.on("message", (message: ListThreadMessage) => {
  if ("reuse" in message) {
    if (spare.length < SPARE_AT_MOST) spare.push(message.reuse);
    return;
  }
  const { id, job } = message;
  try {
    const rows = statements.prepare(job.rows.sql).all(job.rows.parameters) as InvitationDocumentRow[];
    const counted = job.count ? (statements.prepare(job.count.sql).all(job.count.parameters)[0] as { n: number }) : undefined;
    const out = new PageBytes(memory());
    writeListPage(out, rows, counted === undefined ? undefined : Number(counted.n), document, box, job.view);
    // Memory of its own (never Buffer's shared pool), handed over rather than copied; a page
    // that outgrew its memory hands over the larger one, which then serves the next pages.
    parentPort?.postMessage({ id, body: out.buffer, length: out.size } satisfies ListThreadReply, [out.buffer]);
  } catch (error) {
    // The text stays in the server's log; the caller is answered as for any server error.
    const failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    parentPort?.postMessage({ id, failure } satisfies ListThreadReply);
  }
});
