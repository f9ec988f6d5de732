import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors.js";
import { SYSTEM_ACTOR } from "../../src/events/event-service.js";
import {
  type Client,
  client,
  createTestContext,
  secondInstance,
  seedOrganization,
  TEST_DATABASE_URL,
  type TestContext,
  tokenOf,
  uniqueEmail,
} from "../helpers/harness.js";

/**
 * Runs `hold` with a connection of its own, whose open transaction holds locks the test chooses,
 * and a wait that resolves once `n` transactions of the database wait for a lock.
 */
async function withHolder(url: string | undefined, hold: (holder: pg.Client, waiters: (n: number) => Promise<void>) => Promise<void>) {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await Promise.all([holder.connect(), watcher.connect()]);
  const waiters = async (n: number) => {
    for (let i = 0; i < 500; i++) {
      const { rows } = await watcher.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if ((rows[0]?.n ?? 0) >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${n} transactions never waited`);
  };
  try {
    await hold(holder, waiters);
  } finally {
    await holder.end();
    await watcher.end();
  }
}

// SQLite serializes writers and would hide races: these run on PostgreSQL only (CI sets the URL).
describe.runIf(TEST_DATABASE_URL)("races on PostgreSQL", () => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api);
  });
  afterAll(async () => ctx?.close());

  it("50 concurrent identical creates: exactly one 201, the rest 409", async () => {
    const body = { organizationId: org.organizationId, email: uniqueEmail("race"), roleIds: [org.roleId] };
    const answers = await Promise.all(Array.from({ length: 50 }, () => api.post("/v1/invitations", body)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const rows = await ctx.usher.db.selectFrom("invitations").select("id").where("email", "=", body.email).execute();
    expect(rows).toHaveLength(1);
  });

  it("50 concurrent creates of one email with one Idempotency-Key: one invitation, every answer the same", async () => {
    const body = { organizationId: org.organizationId, email: uniqueEmail("idem-race") };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => api.post<{ id: string }>("/v1/invitations", body, { "idempotency-key": "race-1" })),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    const rows = await ctx.usher.db.selectFrom("invitations").select("id").where("email", "=", body.email).execute();
    expect(rows).toHaveLength(1);
  });

  it("20 concurrent accepts of one token: one membership, one success", async () => {
    const inv = await api.post<{ acceptUrl: string; id: string }>("/v1/invitations", {
      organizationId: org.organizationId,
      email: uniqueEmail("accept-race"),
      roleIds: [org.roleId],
    });
    const token = tokenOf(inv.body.acceptUrl);
    const anonymous = client(ctx.app, null);
    const answers = await Promise.all(Array.from({ length: 20 }, () => anonymous.post("/v1/public/invitations/accept", { token })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const members = await ctx.usher.db
      .selectFrom("memberships")
      .select("user_id")
      .where("organization_id", "=", org.organizationId)
      .execute();
    const roles = await ctx.usher.db
      .selectFrom("membership_roles")
      .select("user_id")
      .where("organization_id", "=", org.organizationId)
      .execute();
    expect(members).toHaveLength(1);
    expect(roles).toHaveLength(1);
    const events = await api.get<{ data: Array<{ type: string }> }>(`/v1/events?invitationId=${inv.body.id}&type=invitation.accepted`);
    expect(events.body.data).toHaveLength(1);
  });

  it("accept racing revoke: exactly one wins, and the state agrees with the winner", async () => {
    for (let round = 0; round < 10; round++) {
      const inv = await api.post<{ acceptUrl: string; id: string }>("/v1/invitations", {
        organizationId: org.organizationId,
        email: uniqueEmail("vs"),
      });
      const [accept, revoke] = await Promise.all([
        client(ctx.app, null).post("/v1/public/invitations/accept", { token: tokenOf(inv.body.acceptUrl) }),
        api.post(`/v1/invitations/${inv.body.id}/revoke`),
      ]);
      expect([accept.status, revoke.status].sort()).toEqual([200, 409]);
      const final = await api.get<{ status: string }>(`/v1/invitations/${inv.body.id}`);
      expect(final.body.status).toBe(accept.status === 200 ? "accepted" : "revoked");
    }
  });

  it("bursts of acceptances racing revokes and each other: one outcome per invitation, rows to match", async () => {
    const anonymous = client(ctx.app, null);
    const invitations = await Promise.all(
      Array.from({ length: 40 }, () =>
        api.post<{ acceptUrl: string; id: string }>("/v1/invitations", {
          organizationId: org.organizationId,
          email: uniqueEmail("burst"),
          roleIds: [org.roleId],
        }),
      ),
    );
    // Every token accepted twice (the two land in different groups in flight), half revoked too.
    const before = { ...ctx.usher.lifecycle.groupStats };
    const answers = await Promise.all(
      invitations.map(async (inv, i) => {
        const token = tokenOf(inv.body.acceptUrl);
        const [first, second, revoke] = await Promise.all([
          anonymous.post("/v1/public/invitations/accept", { token }),
          anonymous.post("/v1/public/invitations/accept", { token }),
          i % 2 === 0 ? api.post(`/v1/invitations/${inv.body.id}/revoke`) : Promise.resolve(undefined),
        ]);
        return { id: inv.body.id, statuses: [first.status, second.status], revoke: revoke?.status };
      }),
    );
    const after = ctx.usher.lifecycle.groupStats;
    expect(after.groups - before.groups).toBeLessThan(after.items - before.items);
    for (const answer of answers) {
      const accepted = answer.statuses.filter((s) => s === 200).length;
      expect(answer.statuses.every((s) => s === 200 || s === 409)).toBe(true);
      expect(accepted + (answer.revoke === 200 ? 1 : 0)).toBe(1);
      const final = await api.get<{ status: string; acceptedUserId: string | null }>(`/v1/invitations/${answer.id}`);
      expect(final.body.status).toBe(accepted === 1 ? "accepted" : "revoked");
      const members = await ctx.usher.db
        .selectFrom("memberships")
        .select("user_id")
        .where("organization_id", "=", org.organizationId)
        .where("user_id", "=", final.body.acceptedUserId ?? "none")
        .execute();
      expect(members).toHaveLength(accepted);
    }
  });

  it("10 concurrent resends count 10 sends, none lost", async () => {
    await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 0 } });
    try {
      const inv = await api.post<{ id: string }>("/v1/invitations", {
        organizationId: org.organizationId,
        email: uniqueEmail("resend-race"),
      });
      const answers = await Promise.all(Array.from({ length: 10 }, () => api.post(`/v1/invitations/${inv.body.id}/resend`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      const final = await api.get<{ sendCount: number }>(`/v1/invitations/${inv.body.id}`);
      expect(final.body.sendCount).toBe(11);
    } finally {
      await api.patch("/v1/settings", { limits: { sendsPerRecipientPer10Minutes: 10 } });
    }
  });

  it("concurrent batches over the same emails never create two pending invitations for one email", async () => {
    const emails = Array.from({ length: 20 }, () => uniqueEmail("batch-race"));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api.post("/v1/invitations/batch", { organizationId: org.organizationId, emails, atomic: false })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await ctx.usher.db
      .selectFrom("invitations")
      .select("email")
      .where("email", "in", emails)
      .where("status", "=", "pending")
      .execute();
    expect(rows).toHaveLength(20);
  });

  it("an acceptance alone and a group holding the same invitation do not deadlock over the organization", async () => {
    // A bug: a group locked the organization and then claimed its invitations, an acceptance
    // alone claimed first and then locked the organization. With one invitation in both, each
    // waited for the other and PostgreSQL aborted one of them (a 500). A third connection holds
    // the group at the moment it has the organization and not yet the invitation.
    const { organizationId } = await seedOrganization(api, "Deadlock");
    const people = [];
    for (let i = 0; i < 2; i++) {
      const email = uniqueEmail("deadlock");
      const user = await ctx.usher.users.create(ctx.tenantId, SYSTEM_ACTOR, { email });
      const inv = await api.post<{ id: string }>("/v1/invitations", { organizationId, email });
      const row = await ctx.usher.db.selectFrom("invitations").selectAll().where("id", "=", inv.body.id).executeTakeFirstOrThrow();
      people.push({ user, row });
    }
    // The group claims in id order: the first invitation is the one held.
    people.sort((a, b) => (a.row.id < b.row.id ? -1 : 1));
    const [held, shared] = people;
    if (!held || !shared) throw new Error("two invitations expected");
    const lifecycle = ctx.usher.lifecycle;
    await withHolder(ctx.config.databaseUrl, async (blocker, waiting) => {
      await blocker.query("begin");
      await blocker.query("select id from invitations where id = $1 for update", [held.row.id]);
      const group = Promise.allSettled([
        lifecycle.accept(held.row, held.user, SYSTEM_ACTOR),
        lifecycle.accept(shared.row, shared.user, SYSTEM_ACTOR),
      ]);
      await waiting(1);
      const alone = lifecycle.accept(shared.row, shared.user, SYSTEM_ACTOR).then(
        () => "accepted",
        (error: unknown) => error,
      );
      await waiting(2);
      await blocker.query("commit");
      const [first, second] = await group;
      expect([first?.status, second?.status]).toEqual(["fulfilled", "fulfilled"]);
      const outcome = await alone;
      expect(outcome).toBeInstanceOf(AppError);
      expect((outcome as AppError).status).toBe(409);
    });
  });

  /**
   * `requests` creates spread over `organizations` new organizations, sent at once through this
   * instance and a second one, under a pending cap of 10: exactly 10 per organization are created.
   */
  async function burstUnderCap(name: string, organizations: number, requests: number) {
    const second = await secondInstance(ctx);
    const apis = [api, client(second.app, ctx.adminKey)];
    await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10 } });
    try {
      const seeded = await Promise.all(Array.from({ length: organizations }, (_, i) => seedOrganization(api, `${name} ${i}`)));
      const ids = seeded.map((o) => o.organizationId);
      const answers = await Promise.all(
        Array.from({ length: requests }, (_, i) =>
          (apis[i % 2] ?? api).post("/v1/invitations", { organizationId: ids[i % ids.length], email: uniqueEmail("capped") }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10 * organizations);
      expect(statuses.filter((s) => s === 429)).toHaveLength(requests - 10 * organizations);
      for (const organizationId of ids) {
        const pending = await ctx.usher.db
          .selectFrom("invitations")
          .select("id")
          .where("organization_id", "=", organizationId)
          .where("status", "=", "pending")
          .execute();
        expect(pending).toHaveLength(10);
      }
    } finally {
      await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10_000 } });
      await second.close();
    }
  }

  it("concurrent creates through two instances never pass an organization's pending cap", async () => {
    // A bug: groups in flight at once (in two processes, or two in one) each counted the
    // organization's pending invitations before either had inserted, and both filled the room
    // that was left.
    for (let round = 0; round < 3; round++) await burstUnderCap(`Capped ${round}`, 1, 40);
  });

  it("concurrent creates over several organizations through two instances never pass any one's cap", async () => {
    // Groups that count several organizations lock and count them in one statement each; two
    // processes' groups over the same organizations lock them in the same order.
    await burstUnderCap("Spread", 6, 120);
  });

  it("concurrent creates with one Idempotency-Key through two instances: one invitation, every answer the first", async () => {
    // A bug: the answer was stored after the create, so a request that came between them in
    // another process created again and answered 409 duplicate.
    const second = await secondInstance(ctx);
    const apis = [api, client(second.app, ctx.adminKey)];
    try {
      for (let round = 0; round < 5; round++) {
        const body = { organizationId: org.organizationId, email: uniqueEmail("idem-two") };
        const answers = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (apis[i % 2] ?? api).post<{ id: string }>("/v1/invitations", body, { "idempotency-key": `two-${round}` }),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
        expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
        const batch = { organizationId: org.organizationId, emails: [uniqueEmail("idem-two"), uniqueEmail("idem-two")] };
        const batches = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (apis[i % 2] ?? api).post("/v1/invitations/batch", batch, { "idempotency-key": `two-batch-${round}` }),
          ),
        );
        expect(new Set(batches.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
        expect(batches[0]?.status).toBe(201);
      }
    } finally {
      await second.close();
    }
  });

  it("a member added while the user is being deleted answers 404 user_not_found, not 500", async () => {
    // A bug: the user existed when the request looked, and the membership's foreign key then
    // failed once the deletion committed; that answered 500.
    const { organizationId } = await seedOrganization(api, "Vanishing");
    const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("vanishing") });
    await withHolder(ctx.config.databaseUrl, async (deleter, waiters) => {
      await deleter.query("begin");
      await deleter.query("delete from users where id = $1", [user.body.id]);
      const added = api.post(`/v1/organizations/${organizationId}/members`, { userId: user.body.id });
      await waiters(1);
      await deleter.query("commit");
      const answer = await added;
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: "user_not_found" });
    });
  });

  it("a settings patch through another instance keeps what this one changed a moment before", async () => {
    // A bug: the other instance merged the patch into its cached settings (up to 5 s old).
    const second = await secondInstance(ctx);
    const other = client(second.app, ctx.adminKey);
    try {
      expect((await other.get("/v1/settings")).status).toBe(200);
      expect((await api.patch("/v1/settings", { brandName: "First" })).status).toBe(200);
      expect((await other.patch("/v1/settings", { locale: "fr" })).status).toBe(200);
      // As stored (this instance may still serve its cached copy for a few seconds).
      expect((await other.get("/v1/settings")).body).toMatchObject({ brandName: "First", locale: "fr" });
      const row = await ctx.usher.db.selectFrom("tenants").select("settings").where("id", "=", ctx.tenantId).executeTakeFirstOrThrow();
      expect(JSON.parse(row.settings)).toMatchObject({ brandName: "First", locale: "fr" });
    } finally {
      await api.patch("/v1/settings", { brandName: null, locale: "en" });
      await second.close();
    }
  });

  it("concurrent role replacements of one membership leave one of them, never their union", async () => {
    // A bug: each replacement deleted the roles it saw and inserted its own, so three at once
    // left all of them.
    const { organizationId } = await seedOrganization(api, "Replaced roles");
    const roles: string[] = [];
    for (let i = 0; i < 5; i++)
      roles.push((await api.post<{ id: string }>("/v1/roles", { name: `replaced-${i}-${uniqueEmail()}` })).body.id);
    const sets = [roles.slice(0, 2), roles.slice(2, 3), roles.slice(3, 5)].map((set) => set.sort());
    for (let round = 0; round < 10; round++) {
      const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("replaced") });
      await api.post(`/v1/organizations/${organizationId}/members`, { userId: user.body.id });
      const answers = await Promise.all(
        sets.map((roleIds) => api.put(`/v1/organizations/${organizationId}/members/${user.body.id}/roles`, { roleIds })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      const rows = await ctx.usher.db.selectFrom("membership_roles").select("role_id").where("user_id", "=", user.body.id).execute();
      expect(sets).toContainEqual(rows.map((r) => r.role_id).sort());
    }
  });

  it("an acceptance while one of its roles is being deleted grants the others and succeeds", async () => {
    // A bug: the role was read as existing, then its deletion committed and the membership's
    // roles failed their foreign key, which failed the acceptance.
    const { organizationId } = await seedOrganization(api, "Role going");
    const going = await api.post<{ id: string }>("/v1/roles", { name: `going-${uniqueEmail()}` });
    const staying = await api.post<{ id: string }>("/v1/roles", { name: `staying-${uniqueEmail()}` });
    const inv = await api.post<{ acceptUrl: string }>("/v1/invitations", {
      organizationId,
      email: uniqueEmail("role-going"),
      roleIds: [going.body.id, staying.body.id],
    });
    await withHolder(ctx.config.databaseUrl, async (deleter, waiters) => {
      await deleter.query("begin");
      await deleter.query("delete from roles where id = $1", [going.body.id]);
      const accepted = client(ctx.app, null).post<{ membership: { roleIds: string[] } }>("/v1/public/invitations/accept", {
        token: tokenOf(inv.body.acceptUrl),
      });
      await waiters(1);
      await deleter.query("commit");
      const answer = await accepted;
      expect(answer.status).toBe(200);
      expect(answer.body.membership.roleIds).toEqual([staying.body.id]);
    });
  });
});
