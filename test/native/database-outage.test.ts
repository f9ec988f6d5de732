import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import {
  ADMIN_KEY,
  type Client,
  client,
  createPostgresDatabase,
  createTestContext,
  TEST_DATABASE_URL,
  type TestContext,
} from "../helpers/harness.js";

/**
 * A TCP relay between Usher and PostgreSQL that can be cut, as a restart, a failover or a
 * network fault would: open connections are dropped and new ones closed at once. Silenced, it
 * drops the open ones and holds new ones without a word, as a server that hangs would.
 */
async function startRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  let mode: "up" | "cut" | "silent" = "up";
  const server = net.createServer((socket) => {
    if (mode !== "up") {
      if (mode === "cut") socket.destroy();
      else {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  url.hostname = "127.0.0.1";
  return {
    url: url.toString(),
    cut() {
      mode = "cut";
      for (const s of sockets) s.destroy();
    },
    silence() {
      mode = "silent";
      for (const s of sockets) s.destroy();
    },
    restore() {
      mode = "up";
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CONNECT_TIMEOUT_MS = 500;

describe.skipIf(!TEST_DATABASE_URL)("the database out of reach (postgres)", () => {
  let database: { url: string; drop(): Promise<void> };
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    relay = await startRelay(new URL(database.url));
    // The SQLite kind, with the relay's database: the context makes no database of its own.
    const handle = openDatabase({ databaseUrl: relay.url, dataDir: "", connectTimeoutMs: CONNECT_TIMEOUT_MS });
    ctx = await createTestContext("sqlite", { config: { databaseUrl: relay.url }, overrides: { database: handle } });
    api = client(ctx.app, ADMIN_KEY);
  });

  afterAll(async () => {
    await ctx?.close();
    relay?.cut();
    await relay?.close();
    await database?.drop();
  });

  it("answers 503 with Retry-After while PostgreSQL cannot be reached, writes nothing, and serves again after", async () => {
    expect(ctx.usher.database.kind).toBe("postgres");
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Acme" });
    expect(org.status).toBe(201);
    const invite = (email: string) => api.post("/v1/invitations", { organizationId: org.body.id, email });
    expect((await invite("before@example.com")).status).toBe(201);

    relay.cut();
    const during = await Promise.all([invite("during1@example.com"), invite("during2@example.com")]);
    const listed = await api.get(`/v1/invitations?organizationId=${org.body.id}`);
    const ready = await ctx.app.inject({ method: "GET", url: "/readyz" });
    for (const answer of [...during, listed]) {
      expect(answer.status).toBe(503);
      expect(answer.headers["retry-after"]).toBe("1");
      expect(answer.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 503, code: "service_unavailable" });
    }
    expect(ready.statusCode).toBe(503);

    relay.restore();
    expect((await invite("after@example.com")).status).toBe(201);
    const page = await api.get<{ data: Array<{ email: string }>; total: number }>(
      `/v1/invitations?organizationId=${org.body.id}&includeTotal=true`,
    );
    expect(page.status).toBe(200);
    expect(page.body.data.map((i) => i.email).sort()).toEqual(["after@example.com", "before@example.com"]);
    expect((await ctx.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });

  it("answers 503 within the connect timeout while PostgreSQL accepts connections and never answers", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Hung" });
    expect(org.status).toBe(201);
    relay.silence();
    // The pool drops its idle connections as they close: the requests need new ones.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const answers = await Promise.all([
      api.post("/v1/invitations", { organizationId: org.body.id, email: "hung1@example.com" }),
      api.get(`/v1/organizations/${org.body.id}`),
    ]);
    const waited = performance.now() - started;
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: "service_unavailable" });
    }
    // A wait for a connection, then the create's group tried again alone: two timeouts at most.
    expect(waited).toBeLessThan(4 * CONNECT_TIMEOUT_MS + 1_000);
    relay.restore();
    expect((await api.post("/v1/invitations", { organizationId: org.body.id, email: "hung2@example.com" })).status).toBe(201);
  });
});
