import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { TailFields } from "./document-tail.js";
import type { InvitationDocument } from "./invitation-documents.js";
import type { ListPageJob } from "./list-page.js";

/**
 * What a list thread is started with: the database file, the secret that opens tokens for the
 * pages' accept links, and Node's part of the layout it writes.
 */
export interface ListThreadData {
  file: string;
  secret: string;
  tail: TailFields;
}

/**
 * A thread's answer: the page's body (its first `length` bytes of `body`, memory handed over
 * rather than copied), or the server's failure.
 */
export interface ListThreadReply {
  id: number;
  body?: ArrayBuffer;
  length?: number;
  failure?: string;
}

/** What the event loop sends a thread: a page to write, or a written page's memory to use again. */
export type ListThreadMessage = { id: number; job: ListPageJob } | { reuse: ArrayBuffer };

export interface ListThreadsOptions {
  count: number;
  file: string;
  secret: string;
  /** The layout the threads write; pages in any other are written on the event loop. */
  layout: InvitationDocument;
  log: Logger;
}

/**
 * How a thread is started: the compiled module beside this one, or, where this module runs as
 * TypeScript (the test suites), its source through tsx's loader, registered in the thread.
 */
function threadSource(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { script: new URL("./list-thread.js", import.meta.url), eval: false };
  const tsx = new URL("dist/esm/api/index.mjs", pathToFileURL(createRequire(import.meta.url).resolve("tsx/package.json"))).href;
  const source = new URL("./list-thread.ts", import.meta.url).href;
  return {
    script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`,
    eval: true,
  };
}

interface Waiting {
  resolve: (body: Buffer) => void;
  reject: (error: unknown) => void;
  /** Writes the page on the event loop instead, should the thread end before it answers. */
  fallback: () => Promise<Buffer>;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

/**
 * Pages a thread is sent before it has answered, at most: the one it writes and the next ones,
 * so that it never waits for the event loop between two. The rest wait on the event loop and
 * go to the first thread that answers: a thread the system holds off its core for some
 * milliseconds then holds up only these few, rather than a share of every page waiting.
 */
export const SENT_AHEAD = 6;

/**
 * SQLite list pages written on threads of their own (ADR 0014). Each thread has a read-only
 * connection to the database file, so it reads what the server's connection has committed;
 * a request goes to the thread with the fewest waiting. A thread that fails or ends takes the
 * pool with it: the pages it owed, and every page after, are written on the event loop.
 */
export class ListThreads {
  private threads: Thread[] = [];
  private started = false;
  private stopped = false;
  private nextId = 0;
  /** Pages waiting for a thread to answer one of its own (`SENT_AHEAD`), first come first. */
  private queue: Array<{ job: ListPageJob; waiting: Waiting }> = [];
  /** The thread whose memory holds a page's body, until the page is given back (`reuse`). */
  private readonly lent = new WeakMap<ArrayBuffer, Thread>();
  /**
   * Pages written by the threads, by the event loop in their stead, and whose memory went back
   * to their thread, and the most pages a thread was sent ahead (observability and tests).
   */
  readonly stats = { threaded: 0, fallen: 0, reused: 0, mostAhead: 0 };

  constructor(private readonly options: ListThreadsOptions) {}

  /** Starts the threads, at the first page: a process that never lists never pays for them. */
  private start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const { file, secret, count, layout } = this.options;
    const source = threadSource();
    for (let i = 0; i < count; i++) {
      const thread: Thread = {
        worker: new Worker(source.script, {
          eval: source.eval,
          workerData: { file, secret, tail: layout.tail.fields } satisfies ListThreadData,
          // A page's garbage dies young, and a small young generation keeps the thread's
          // resident size down; 4 MB did no worse than 8 MB in the runs that compared them.
          resourceLimits: { maxYoungGenerationSizeMb: 4 },
        }),
        waiting: new Map(),
      };
      thread.worker.on("message", (reply: ListThreadReply) => this.answer(thread, reply));
      thread.worker.on("error", (error) => this.fail(`a list thread failed: ${error.message}`));
      thread.worker.on("exit", (code) => this.fail(`a list thread exited with code ${code}`));
      this.threads.push(thread);
    }
  }

  /** Whether pages in `layout` are written by the threads. */
  serves(layout: InvitationDocument): boolean {
    return layout === this.options.layout && !this.stopped;
  }

  render(job: ListPageJob, fallback: () => Promise<Buffer>): Promise<Buffer> {
    this.start();
    let thread = this.threads[0];
    for (const other of this.threads) if (thread && other.waiting.size < thread.waiting.size) thread = other;
    if (!thread || this.stopped) return this.fallBack(fallback);
    const idlest = thread;
    return new Promise<Buffer>((resolve, reject) => {
      const page = { job, waiting: { resolve, reject, fallback } };
      // One thread writes pages in their order whatever it is sent: it is sent every one.
      if (this.threads.length === 1 || idlest.waiting.size < SENT_AHEAD) this.send(idlest, page);
      else this.queue.push(page);
    });
  }

  private send(thread: Thread, page: { job: ListPageJob; waiting: Waiting }): void {
    const id = ++this.nextId;
    thread.waiting.set(id, page.waiting);
    if (thread.waiting.size > this.stats.mostAhead) this.stats.mostAhead = thread.waiting.size;
    thread.worker.postMessage({ id, job: page.job } satisfies ListThreadMessage);
  }

  /**
   * Gives a written page's memory back to the thread it came from, for its next page: a page
   * is tens of KB, and allocating and freeing that memory at every page held it in the
   * allocator (about 20 MB of resident memory) until the collector had swept its buffers.
   * Call it only once the body has been handed to the socket: the buffer is empty after.
   * Answers whether the page was a thread's.
   */
  reuse(body: Buffer): boolean {
    const memory = body.buffer as ArrayBuffer;
    const thread = this.lent.get(memory);
    if (!thread) return false;
    this.lent.delete(memory);
    if (this.stopped) return true;
    this.stats.reused += 1;
    thread.worker.postMessage({ reuse: memory } satisfies ListThreadMessage, [memory]);
    return true;
  }

  /** Ends the threads; a page still owed is written on the event loop. */
  async close(): Promise<void> {
    const threads = this.release();
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private answer(thread: Thread, reply: ListThreadReply): void {
    const waiting = thread.waiting.get(reply.id);
    if (!waiting) return;
    thread.waiting.delete(reply.id);
    if (reply.body !== undefined) {
      this.stats.threaded += 1;
      this.lent.set(reply.body, thread);
      waiting.resolve(Buffer.from(reply.body, 0, reply.length));
    } else {
      waiting.reject(new Error(reply.failure));
    }
    const next = this.queue.shift();
    if (next) this.send(thread, next);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.options.log.error({ reason }, "list pages are written on the event loop from now on");
    for (const thread of this.release()) void thread.worker.terminate();
  }

  private fallBack(write: () => Promise<Buffer>): Promise<Buffer> {
    this.stats.fallen += 1;
    return write();
  }

  /** Stops taking pages and hands every owed one to its fallback. */
  private release(): Thread[] {
    this.stopped = true;
    const threads = this.threads;
    this.threads = [];
    const owed = [...threads.flatMap((thread) => [...thread.waiting.values()]), ...this.queue.map((page) => page.waiting)];
    for (const thread of threads) thread.waiting.clear();
    this.queue = [];
    for (const waiting of owed) this.fallBack(waiting.fallback).then(waiting.resolve, waiting.reject);
    return threads;
  }
}
