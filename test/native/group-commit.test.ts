import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../helpers/harness.js";

/**
 * Single creates that arrive together share one transaction (ADR 0007). A burst with every
 * kind of outcome: each request still gets its own answer, and only the created ones leave rows.
 */
describe.each(databaseKinds)("single creates written together (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let a: { organizationId: string; roleId: string };
  let b: { organizationId: string; roleId: string };
  let memberEmail: string;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    a = await seedOrganization(api, "Alpha Group");
    b = await seedOrganization(api, "Beta Group");
    memberEmail = uniqueEmail("member");
    const user = await api.post<{ id: string }>("/v1/users", { email: memberEmail });
    expect((await api.post(`/v1/organizations/${a.organizationId}/members`, { userId: user.body.id })).status).toBe(201);
  });
  afterAll(async () => ctx?.close());

  it("answers each create of a mixed burst with its own outcome", async () => {
    const twin = uniqueEmail("twin");
    const requests: Array<{ expect: number; code?: string; body: Record<string, unknown> }> = [
      ...Array.from({ length: 30 }, () => ({
        expect: 201,
        body: { organizationId: a.organizationId, email: uniqueEmail("a"), roleIds: [a.roleId] },
      })),
      ...Array.from({ length: 10 }, () => ({ expect: 201, body: { organizationId: b.organizationId, email: uniqueEmail("b") } })),
      ...Array.from({ length: 5 }, () => ({
        expect: 404,
        code: "organization_not_found",
        body: { organizationId: "org_missing", email: uniqueEmail() },
      })),
      ...Array.from({ length: 3 }, () => ({
        expect: 409,
        code: "invitee_already_member",
        body: { organizationId: a.organizationId, email: memberEmail.toUpperCase() },
      })),
      ...Array.from({ length: 3 }, () => ({
        expect: 404,
        code: "role_not_found",
        body: { organizationId: a.organizationId, email: uniqueEmail(), roleIds: ["role_missing"] },
      })),
      ...Array.from({ length: 2 }, () => ({
        expect: 404,
        code: "user_not_found",
        body: { organizationId: b.organizationId, email: uniqueEmail(), inviterUserId: "usr_missing" },
      })),
      {
        expect: 404,
        code: "role_not_found",
        body: { organizationId: b.organizationId, email: uniqueEmail(), roleIds: [a.roleId, "role_missing"] },
      },
    ];
    const groupsBefore = ctx.usher.invitations.groupStats.groups;
    const [answers, twins] = await Promise.all([
      Promise.all(requests.map((r) => api.post<{ id: string; code?: string; acceptUrl?: string }>("/v1/invitations", r.body))),
      Promise.all(
        Array.from({ length: 5 }, () => api.post<{ id: string }>("/v1/invitations", { organizationId: b.organizationId, email: twin })),
      ),
    ]);

    answers.forEach((answer, i) => {
      const request = requests[i];
      expect({ i, status: answer.status, code: answer.body.code }).toEqual({ i, status: request?.expect, code: request?.code });
    });
    expect(twins.map((t) => t.status).sort()).toEqual([201, 409, 409, 409, 409]);
    // The burst was written in fewer transactions than requests.
    const stats = ctx.usher.invitations.groupStats;
    expect(stats.groups - groupsBefore).toBeLessThan(requests.length);
    expect(stats.largest).toBeGreaterThan(1);

    const created = [...answers.filter((x) => x.status === 201), ...twins.filter((t) => t.status === 201)].map((x) => x.body.id);
    expect(created).toHaveLength(41);
    const rows = await ctx.usher.db.selectFrom("invitations").select("id").execute();
    expect(rows.map((r) => r.id).sort()).toEqual([...created].sort());
    const events = await ctx.usher.db.selectFrom("events").select("invitation_id").where("type", "=", "invitation.created").execute();
    expect(events.map((e) => e.invitation_id).sort()).toEqual([...created].sort());
    const messages = await ctx.usher.db.selectFrom("outbox").select(["invitation_id", "status", "attempts"]).execute();
    expect(messages.map((m) => m.invitation_id).sort()).toEqual([...created].sort());
    // Captured in the creating transaction (ADR 0054): one sent message, one mailbox row and one
    // email_sent event per created invitation, none for the refused ones.
    expect(new Set(messages.map((m) => `${m.status}/${m.attempts}`))).toEqual(new Set(["sent/1"]));
    const sent = await ctx.usher.db.selectFrom("events").select("invitation_id").where("type", "=", "invitation.email_sent").execute();
    expect(sent.map((e) => e.invitation_id).sort()).toEqual([...created].sort());
    const mailbox = await ctx.usher.db
      .selectFrom("mailbox")
      .innerJoin("outbox", "outbox.id", "mailbox.outbox_id")
      .select(["outbox.invitation_id", "mailbox.subject", "mailbox.text"])
      .execute();
    expect(mailbox.map((m) => m.invitation_id).sort()).toEqual([...created].sort());
    const firstOfA = answers[0]?.body;
    const mailOfA = mailbox.find((m) => m.invitation_id === firstOfA?.id);
    expect(mailOfA?.subject).toContain("Alpha Group");
    expect(mailOfA?.text).toContain(firstOfA?.acceptUrl);
    expect(mailOfA?.text).toMatch(/member-[0-9a-f]{6}/);
    expect(await ctx.usher.worker.drain()).toBe(0);
  });

  it("counts the pending cap across a burst, in order", async () => {
    const capped = await seedOrganization(api, "Capped");
    expect((await api.patch("/v1/settings", { limits: { pendingPerOrganization: 4 } })).status).toBe(200);
    try {
      const answers = await Promise.all(
        Array.from({ length: 7 }, () => api.post("/v1/invitations", { organizationId: capped.organizationId, email: uniqueEmail("cap") })),
      );
      const outcomes = answers.map((x) => `${x.status} ${(x.body as { code?: string }).code ?? ""}`).join(", ");
      expect(answers.map((x) => x.status).sort(), outcomes).toEqual([201, 201, 201, 201, 429, 429, 429]);
      const rows = await ctx.usher.db.selectFrom("invitations").select("id").where("organization_id", "=", capped.organizationId).execute();
      expect(rows).toHaveLength(4);
    } finally {
      await api.patch("/v1/settings", { limits: { pendingPerOrganization: 10_000 } });
    }
  });
});
