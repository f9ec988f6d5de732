import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { IDEMPOTENCY_RETENTION_MS } from "../../src/idempotency/idempotency-service.js";
import { type Client, client, createTestContext, databaseKinds, seedOrganization, type TestContext, tokenOf } from "../helpers/harness.js";

type Inv = { id: string; acceptUrl: string | null };

/** What an Idempotency-Key keeps (ADR 0023): the first answer, sealed, for a day. */
describe.each(databaseKinds)("idempotency answers at rest (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let organizationId: string;
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0));

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    ({ organizationId } = await seedOrganization(api));
  });
  afterAll(async () => ctx?.close());

  // Keys are stored under the route's namespace (`invitations:<key>`): rows by the client's key.
  const stored = async () =>
    (await ctx.usher.db.selectFrom("idempotency_keys").select(["key", "body"]).execute()).map((r) => ({
      key: r.key.slice(r.key.indexOf(":") + 1),
      body: r.body,
    }));

  it("stores the answer sealed: neither the token nor the email is in the row, and the replay has both", async () => {
    const body = { organizationId, email: "sealed@example.com" };
    const first = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "sealed-1" });
    expect(first.status).toBe(201);
    const token = tokenOf(first.body.acceptUrl);
    const row = (await stored()).find((r) => r.key === "sealed-1");
    expect(row?.body).toMatch(/^v1\./);
    expect(row?.body).not.toContain(token);
    expect(row?.body).not.toContain("sealed@example.com");
    const batch = await api.post<{ results: Array<{ invitation: Inv }> }>(
      "/v1/invitations/batch",
      { organizationId, emails: ["b1@example.com", "b2@example.com"] },
      { "idempotency-key": "sealed-batch" },
    );
    const batchRow = (await stored()).find((r) => r.key === "sealed-batch");
    for (const result of batch.body.results) expect(batchRow?.body).not.toContain(tokenOf(result.invitation.acceptUrl));

    const again = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "sealed-1" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it("reads an answer stored in plain JSON by a process of an earlier version", async () => {
    const body = { organizationId, email: "rolling@example.com" };
    const first = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "rolling-1" });
    await ctx.usher.db
      .updateTable("idempotency_keys")
      .set({ body: JSON.stringify(first.body) })
      .where("key", "like", "%:rolling-1")
      .execute();
    const again = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "rolling-1" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it("forgets a key a day after it was used: its row is deleted and the key no longer replays", async () => {
    const body = { organizationId, email: "old@example.com" };
    const first = await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "old-1" });
    expect(first.status).toBe(201);
    clock.advance(IDEMPOTENCY_RETENTION_MS - 60_000);
    // Still within the day: the replay is the first answer.
    expect((await api.post<Inv>("/v1/invitations", body, { "idempotency-key": "old-1" })).body.id).toBe(first.body.id);
    clock.advance(120_000);
    // Another key's use deletes the keys past their day.
    expect((await api.post("/v1/invitations", { organizationId, email: "new@example.com" }, { "idempotency-key": "new-1" })).status).toBe(
      201,
    );
    const keys = (await stored()).map((r) => r.key);
    expect(keys).toContain("new-1");
    expect(keys).not.toContain("old-1");
    // Sent again, the create runs anew and meets the invitation it made a day before.
    const late = await api.post("/v1/invitations", body, { "idempotency-key": "old-1" });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: "duplicate_pending_invitation" });
  });

  it("deletes old keys a thousand at a time, so that no request waits on a long delete", async () => {
    const tenantId = ctx.tenantId;
    const day = clock.now() - IDEMPOTENCY_RETENTION_MS - 60_000;
    const rows = Array.from({ length: 1_500 }, (_, i) => ({
      tenant_id: tenantId,
      key: `invitations:bulk-${i}`,
      request_hash: "h",
      status_code: 201,
      body: "v1.x.y.z",
      created_at: day,
    }));
    for (let at = 0; at < rows.length; at += 250)
      await ctx.usher.db
        .insertInto("idempotency_keys")
        .values(rows.slice(at, at + 250))
        .execute();
    const bulk = async () => (await stored()).filter((r) => r.key.startsWith("bulk-")).length;
    clock.advance(120_000);
    expect(
      (await api.post("/v1/invitations", { organizationId, email: "prune1@example.com" }, { "idempotency-key": "prune-1" })).status,
    ).toBe(201);
    expect(await bulk()).toBe(500);
    clock.advance(120_000);
    expect(
      (await api.post("/v1/invitations", { organizationId, email: "prune2@example.com" }, { "idempotency-key": "prune-2" })).status,
    ).toBe(201);
    expect(await bulk()).toBe(0);
  });
});
