import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { createUsher } from "../../src/container.js";
import { ManualClock } from "../../src/core/clock.js";
import { invitationDocument } from "../../src/http/native/schemas.js";
import { ListThreads, SENT_AHEAD } from "../../src/invitations/list-threads.js";
import {
  type Answer,
  type Client,
  client,
  createTestContext,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../helpers/harness.js";

type Page = { data: Array<{ id: string; email: string; status: string }>; nextCursor: string | null; total?: number };

/** SQLite's list pages are written on threads with their own connections (ADR 0014). */
describe("list pages on SQLite's list threads", () => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };
  const clock = new ManualClock(Date.UTC(2026, 11, 4, 8, 0, 0, 0));

  beforeAll(async () => {
    ctx = await createTestContext("sqlite", { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api, "Threads");
  });
  afterAll(async () => ctx?.close());

  it("answers every page as the event loop writes it, byte for byte", async () => {
    for (let i = 0; i < 7; i++) {
      const created = await api.post("/v1/invitations", {
        organizationId: org.organizationId,
        email: uniqueEmail(`same${i}`),
        roleIds: [org.roleId],
        metadata: { i, note: 'ü\u2028"' },
      });
      expect(created.status).toBe(201);
      clock.advance(1);
    }
    await api.post(
      `/v1/invitations/${(await api.get<Page>(`/v1/invitations?organizationId=${org.organizationId}&limit=1`)).body.data[0]?.id}/revoke`,
      {},
    );
    clock.advance(8 * 24 * 3_600_000); // every other one has expired by now
    const onLoop = await createUsher({ ...ctx.config, listThreads: 0 }, { log: pino({ level: "silent" }), clock });
    const loopApp = await buildApp(onLoop);
    try {
      const loopApi = client(loopApp, ctx.adminKey);
      const before = ctx.usher.listThreads?.stats.threaded ?? 0;
      let cursor: string | null = "";
      let pages = 0;
      while (cursor !== null) {
        const query: string = `organizationId=${org.organizationId}&limit=3&includeTotal=true${cursor ? `&cursor=${cursor}` : ""}`;
        const threaded: Answer<Page> = await api.get<Page>(`/v1/invitations?${query}`);
        const looped = await loopApi.get<Page>(`/v1/invitations?${query}`);
        expect(threaded.status, threaded.text).toBe(200);
        expect(threaded.text).toBe(looped.text);
        expect(threaded.body.total).toBe(7);
        cursor = threaded.body.nextCursor;
        pages += 1;
      }
      expect(pages).toBe(3);
      expect(onLoop.listThreads).toBeUndefined();
      expect(ctx.usher.listThreads?.stats.threaded).toBe(before + pages);
      expect(ctx.usher.listThreads?.stats.fallen).toBe(0);
    } finally {
      await loopApp.close();
      await onLoop.close();
    }
  });

  it("gives each page's memory back to its thread once sent, and pages of every size stay whole", async () => {
    const { organizationId } = await seedOrganization(api, "Reused");
    // Some 1.2 KB an entry: a page of 60 is larger than the memory a thread starts a page with.
    const note = "ä".repeat(300) + "x".repeat(300);
    for (let i = 0; i < 60; i += 10) {
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          api.post("/v1/invitations", { organizationId, email: uniqueEmail(`reused${i + j}`), metadata: { i: i + j, note } }),
        ),
      );
      expect(created.map((c) => c.status)).toEqual(Array(10).fill(201));
    }
    const onLoop = await createUsher({ ...ctx.config, listThreads: 0 }, { log: pino({ level: "silent" }), clock });
    const loopApp = await buildApp(onLoop);
    try {
      const loopApi = client(loopApp, ctx.adminKey);
      const threads = ctx.usher.listThreads as ListThreads;
      const before = { ...threads.stats };
      // Small, large, small again, then all at once: buffers given back are used again, a buffer
      // too small for the next page is replaced, and no page shows another's bytes.
      const limits = [2, 200, 2, 7, 200, ...Array.from({ length: 20 }, (_, i) => [1, 200, 13, 60][i % 4] ?? 1)];
      const ask = (limit: number) => `/v1/invitations?organizationId=${organizationId}&limit=${limit}`;
      const sequential: Array<Answer<Page>> = [];
      for (const limit of limits.slice(0, 5)) sequential.push(await api.get<Page>(ask(limit)));
      const together = await Promise.all(limits.slice(5).map((limit) => api.get<Page>(ask(limit))));
      const threaded = [...sequential, ...together];
      const looped = await Promise.all(limits.map((limit) => loopApi.get<Page>(ask(limit))));
      for (const [i, answer] of threaded.entries()) {
        expect(answer.status).toBe(200);
        expect(answer.text).toBe(looped[i]?.text);
        expect(answer.body.data).toHaveLength(Math.min(limits[i] ?? 0, 60));
      }
      expect(Buffer.byteLength(threaded[1]?.text ?? "")).toBeGreaterThan(64 * 1024);
      expect(threads.stats.threaded - before.threaded).toBe(limits.length);
      expect(threads.stats.reused - before.reused).toBe(limits.length);
      expect(threads.stats.fallen).toBe(before.fallen);
    } finally {
      await loopApp.close();
      await onLoop.close();
    }
  });

  it("lists what was committed just before, every time", async () => {
    const { organizationId } = await seedOrganization(api, "Fresh");
    for (let i = 0; i < 40; i++) {
      const email = uniqueEmail(`fresh${i}`);
      const [created, listed] = await Promise.all([
        api.post<{ id: string }>("/v1/invitations", { organizationId, email }),
        // Asked while the create is in flight: it may or may not see it, but must answer.
        api.get<Page>(`/v1/invitations?organizationId=${organizationId}&limit=200`),
      ]);
      expect(created.status).toBe(201);
      expect(listed.status).toBe(200);
      const after = await api.get<Page>(`/v1/invitations?organizationId=${organizationId}&limit=200`);
      expect(after.body.data.map((d) => d.id)).toContain(created.body.id);
      expect(after.body.data).toHaveLength(i + 1);
    }
  });

  it("fails a page whose statement fails, and goes on writing the others", async () => {
    const threads = ctx.usher.listThreads as ListThreads;
    const view = { limit: 50, now: clock.now(), defaultAcceptBase: "http://x/accept" };
    const here = async () => Buffer.from("written on the event loop");
    await expect(threads.render({ rows: { sql: "select * from no_such_table", parameters: [] }, view }, here)).rejects.toThrow(
      /no such table/,
    );
    expect(threads.serves(invitationDocument)).toBe(true);
    const res = await api.get<Page>(`/v1/invitations?organizationId=${org.organizationId}&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(threads.stats.fallen).toBe(0);
  });

  it("answers a cursor that is not one with the caller's 400, on the event loop", async () => {
    const before = { ...ctx.usher.listThreads?.stats };
    const res = await api.get(`/v1/invitations?organizationId=${org.organizationId}&cursor=bm90LWEtY3Vyc29y`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(ctx.usher.listThreads?.stats).toEqual(before);
  });
});

describe("several list threads", () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext("sqlite");
  });
  afterAll(async () => ctx?.close());

  it("are sent a few pages ahead each, and the rest as they answer, every page answered in full", async () => {
    const threads = new ListThreads({
      count: 2,
      file: path.join(ctx.config.dataDir, "usher.sqlite"),
      secret: ctx.config.secret,
      layout: invitationDocument,
      log: pino({ level: "silent" }),
    });
    // A statement that takes a while and finds no invitation, so that pages pile up.
    const slow = {
      sql: "with recursive c(n) as (select 1 union all select n + 1 from c where n < 20000) select * from invitations where (select count(*) from c) < 0",
      parameters: [],
    };
    const view = { limit: 50, now: 0, defaultAcceptBase: "http://x/accept" };
    try {
      const pages = await Promise.all(
        Array.from({ length: 8 * SENT_AHEAD }, () => threads.render({ rows: slow, view }, async () => Buffer.from("on the event loop"))),
      );
      for (const page of pages) expect(JSON.parse(String(page))).toEqual({ data: [], nextCursor: null });
      expect(threads.stats).toMatchObject({ threaded: pages.length, fallen: 0, mostAhead: SENT_AHEAD });
    } finally {
      await threads.close();
    }
  });
});

describe("a list thread that fails", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "usher-list-threads-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("hands its pages to the event loop, and every page after, and says so once in the log", async () => {
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    // No database file there: the thread cannot open it and ends.
    const threads = new ListThreads({
      count: 2,
      file: path.join(dir, "usher.sqlite"),
      secret: "a-secret-that-stays-here",
      layout: invitationDocument,
      log,
    });
    const request = { rows: { sql: "select 1", parameters: [] }, view: { limit: 50, now: 0, defaultAcceptBase: "http://x/accept" } };
    try {
      // More than the two threads are sent ahead: the rest wait on the event loop, and are owed too.
      const numbers = Array.from({ length: 3 * SENT_AHEAD }, (_, i) => i + 1);
      const answers = await Promise.all(numbers.map((n) => threads.render(request, async () => Buffer.from(`page ${n}`))));
      expect(answers.map(String)).toEqual(numbers.map((n) => `page ${n}`));
      expect(String(await threads.render(request, async () => Buffer.from("later")))).toBe("later");
      expect(threads.stats).toEqual({ threaded: 0, fallen: numbers.length + 1, reused: 0, mostAhead: SENT_AHEAD });
      expect(threads.serves(invitationDocument)).toBe(false);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "{}").msg).toBe("list pages are written on the event loop from now on");
      expect(lines[0]).not.toContain("a-secret-that-stays-here");
    } finally {
      await threads.close();
    }
  });
});
