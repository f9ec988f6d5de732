import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { invitationView } from "../../src/http/native/schemas.js";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

type Inv = Record<string, unknown> & { id: string; acceptUrl: string | null };
type Page = { data: Inv[]; nextCursor: string | null; total?: number };

/**
 * List pages are written mostly by the database (ADR 0011); single invitations by Node
 * (`invitationView`). Both must say the same thing about every invitation, in every state.
 */
describe.each(databaseKinds)("native list pages written by the database (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 9, 30, 0, 7));

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api, "Documents");
  });
  afterAll(async () => ctx?.close());

  /** The page as the API answers it, and as Node renders the same rows one by one. */
  async function bothWays(query: string): Promise<{ answered: Page; rendered: unknown }> {
    const res = await api.get<Page>(`/v1/invitations?${query}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.text, "compact JSON, as Node writes it").toBe(JSON.stringify(res.body));
    const params = new URLSearchParams(query);
    const page = await ctx.usher.invitations.list(ctx.tenantId, {
      organizationId: params.get("organizationId") ?? undefined,
      status: (params.get("status") ?? undefined) as never,
      email: params.get("email") ?? undefined,
      limit: Number(params.get("limit") ?? 50),
      cursor: params.get("cursor") ?? undefined,
      includeTotal: params.get("includeTotal") === "true",
    });
    const rendered = JSON.parse(JSON.stringify({ ...page, data: page.data.map(invitationView) }));
    return { answered: res.body, rendered };
  }

  async function invite(body: Record<string, unknown>): Promise<Inv> {
    const res = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email: uniqueEmail("doc"), ...body });
    expect(res.status, res.text).toBe(201);
    clock.advance(1);
    return res.body;
  }

  it("writes every field of an invitation in every state as a single get does, page after page", async () => {
    const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("inviter"), name: "Inviter" });
    const other = await api.post<{ id: string }>("/v1/roles", { name: "documents-extra" });
    const full = await invite({
      roleIds: [org.roleId, other.body.id],
      inviterUserId: user.body.id,
      redirectUrl: "https://app.example.com/welcome?from=invite",
      acceptUrl: "https://app.example.com/join?team=7#top",
      locale: "fr-CA",
      metadata: {
        quote: 'say "hi"\\ there',
        lines: "one\ntwo\tthree\u0001",
        unicode: "Zoë 日本 🎉",
        numbers: [0, -1, 0.1, 1e21, 123456789012345],
        nested: { deep: [true, false, null, { empty: {} }] },
      },
    });
    await invite({ sendEmail: false });
    const accepted = await invite({ roleIds: [org.roleId] });
    expect((await api.post("/v1/public/invitations/accept", { token: tokenOf(accepted.acceptUrl) })).status).toBe(200);
    const declined = await invite({});
    expect((await api.post("/v1/public/invitations/decline", { token: tokenOf(declined.acceptUrl) })).status).toBe(200);
    const revoked = await invite({});
    expect((await api.post(`/v1/invitations/${revoked.id}/revoke`)).status).toBe(200);
    const failed = await invite({});
    await ctx.usher.db
      .updateTable("invitations")
      .set({ delivery_status: "failed", delivery_attempts: 5, delivery_error: '550 "no such user"\r\nbye' })
      .where("id", "=", failed.id)
      .execute();
    const resent = await invite({});
    expect((await api.post(`/v1/invitations/${resent.id}/resend`, {})).status).toBe(200);
    await invite({ expiresIn: 60 });
    clock.advance(59_999); // the last one expires this very millisecond: expired, by the clock only

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: string = `organizationId=${org.organizationId}&limit=3&includeTotal=true${cursor ? `&cursor=${cursor}` : ""}`;
      const { answered, rendered } = await bothWays(query);
      expect(answered).toEqual(rendered);
      for (const entry of answered.data) {
        seen.add(entry.id);
        const single = await api.get<Inv>(`/v1/invitations/${entry.id}`);
        expect(entry).toEqual(single.body);
      }
      cursor = answered.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(8);
    if (kind === "postgres") {
      // Written from the rows as PostgreSQL sent them (ADR 0027), not from the driver's strings;
      // an organization's pages on the pipelined connections (ADR 0033).
      const { pool, listReads } = ctx.usher.database;
      expect(listReads?.rawStats.raw).toBeGreaterThan(0);
      expect(listReads?.rawStats.text).toBe(0);
      expect(pool?.rawStats.text).toBe(0);
    }

    for (const status of ["pending", "accepted", "declined", "revoked", "expired"]) {
      const { answered, rendered } = await bothWays(`organizationId=${org.organizationId}&status=${status}`);
      expect(answered.data.length, status).toBeGreaterThan(0);
      expect(answered).toEqual(rendered);
    }
    const { answered } = await bothWays(
      `email=${encodeURIComponent(String((await api.get<Inv>(`/v1/invitations/${full.id}`)).body.email))}`,
    );
    expect(answered.data).toHaveLength(1);
    expect(answered.data[0]?.acceptUrl).toMatch(/^https:\/\/app\.example\.com\/join\?team=7&token=[A-Za-z0-9_-]{43}#top$/);
  });

  it("writes times outside the years 1970–9999 as a single get does", async () => {
    const far = await invite({});
    const early = await invite({});
    await ctx.usher.db.updateTable("invitations").set({ expires_at: 253_402_300_800_000 }).where("id", "=", far.id).execute();
    await ctx.usher.db.updateTable("invitations").set({ updated_at: -1, last_sent_at: 0 }).where("id", "=", early.id).execute();
    const { answered, rendered } = await bothWays(`organizationId=${org.organizationId}&limit=2`);
    expect(answered).toEqual(rendered);
    const byId = new Map(answered.data.map((entry) => [entry.id, entry]));
    expect(byId.get(far.id)?.expiresAt).toBe("+010000-01-01T00:00:00.000Z");
    expect(byId.get(early.id)).toMatchObject({ updatedAt: "1969-12-31T23:59:59.999Z", lastSentAt: "1970-01-01T00:00:00.000Z" });
  });

  it("writes any metadata, email and locale as a single get does (property)", async () => {
    const local = fc
      .stringMatching(/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,20}$/)
      .filter((s) => !s.startsWith(".") && !s.endsWith(".") && !s.includes(".."));
    await fc.assert(
      fc.asyncProperty(
        local,
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        async (name, metadata) => {
          const email = `${name}@prop.example.com`;
          const created = await api.post<Inv>("/v1/invitations", { organizationId: org.organizationId, email, metadata });
          if (created.status !== 201) return; // a repeated address, already pending: not this property
          const { answered, rendered } = await bothWays(`organizationId=${org.organizationId}&email=${encodeURIComponent(email)}`);
          expect(answered).toEqual(rendered);
          expect(answered.data[0]).toEqual((await api.get<Inv>(`/v1/invitations/${created.body.id}`)).body);
        },
      ),
      { numRuns: 40 },
    );
    // Most of these pages ran a named statement without asking for its columns again.
    if (kind === "postgres") expect(ctx.usher.database.pool?.rawStats.undescribed).toBeGreaterThan(20);
  });
});
