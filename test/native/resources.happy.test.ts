import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../helpers/harness.js";

describe.each(databaseKinds)("native resources (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
  });
  afterAll(async () => ctx?.close());

  it("creates, lists, renames and deletes organizations", async () => {
    const created = await api.post<{ id: string; name: string }>("/v1/organizations", { name: "Initech", description: "printers" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Initech", description: "printers" });
    const patched = await api.patch<{ name: string }>(`/v1/organizations/${created.body.id}`, { name: "Initrode" });
    expect(patched.body.name).toBe("Initrode");
    const list = await api.get<{ data: Array<{ id: string }> }>("/v1/organizations?limit=200");
    expect(list.body.data.map((o) => o.id)).toContain(created.body.id);
    expect((await api.delete(`/v1/organizations/${created.body.id}`)).status).toBe(204);
    expect((await api.get(`/v1/organizations/${created.body.id}`)).status).toBe(404);
  });

  it("manages roles, users and memberships with roles", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Members" });
    const admin = await api.post<{ id: string }>("/v1/roles", { name: "admin", description: "all" });
    const viewer = await api.post<{ id: string }>("/v1/roles", { name: "viewer" });
    expect((await api.post("/v1/roles", { name: "admin" })).status).toBe(409);
    const user = await api.post<{ id: string; email: string }>("/v1/users", { email: "Lin@Example.com", name: "Lin" });
    expect(user.body.email).toBe("lin@example.com");
    expect((await api.post("/v1/users", { email: "lin@EXAMPLE.com" })).status).toBe(409);

    const added = await api.post<{ roleIds: string[] }>(`/v1/organizations/${org.body.id}/members`, {
      userId: user.body.id,
      roleIds: [admin.body.id],
    });
    expect(added.status).toBe(201);
    expect((await api.post(`/v1/organizations/${org.body.id}/members`, { userId: user.body.id })).status).toBe(409);
    const set = await api.put<{ roleIds: string[] }>(`/v1/organizations/${org.body.id}/members/${user.body.id}/roles`, {
      roleIds: [viewer.body.id, admin.body.id],
    });
    expect(set.body.roleIds.sort()).toEqual([admin.body.id, viewer.body.id].sort());
    // Deleting a role takes it off memberships.
    expect((await api.delete(`/v1/roles/${admin.body.id}`)).status).toBe(204);
    const members = await api.get<{ data: Array<{ userId: string; roles: Array<{ name: string }> }> }>(
      `/v1/organizations/${org.body.id}/members`,
    );
    expect(members.body.data).toEqual([expect.objectContaining({ userId: user.body.id, roles: [{ id: viewer.body.id, name: "viewer" }] })]);
    expect((await api.delete(`/v1/organizations/${org.body.id}/members/${user.body.id}`)).status).toBe(204);
    expect((await api.get<{ data: unknown[] }>(`/v1/organizations/${org.body.id}/members`)).body.data).toEqual([]);
    expect((await api.get(`/v1/users/${user.body.id}`)).status).toBe(200);
    expect((await api.delete(`/v1/users/${user.body.id}`)).status).toBe(204);
  });

  it("pages an organization's members newest first by cursor", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Paged members" });
    const added: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("paged") });
      expect((await api.post(`/v1/organizations/${org.body.id}/members`, { userId: user.body.id })).status).toBe(201);
      added.push(user.body.id);
    }
    type MemberPage = { data: Array<{ userId: string; createdAt: string }>; nextCursor: string | null };
    const seen: MemberPage["data"] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const url: string = `/v1/organizations/${org.body.id}/members?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page: { status: number; body: MemberPage } = await api.get<MemberPage>(url);
      expect(page.status).toBe(200);
      sizes.push(page.body.data.length);
      seen.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.map((m) => m.userId).sort()).toEqual([...added].sort());
    // Newest first: by creation time, then by user id, both descending.
    const order = [...seen].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.userId.localeCompare(a.userId));
    expect(seen).toEqual(order);
    expect((await api.get(`/v1/organizations/${org.body.id}/members`)).body).toMatchObject({ nextCursor: null });
    const bad = await api.get(`/v1/organizations/${org.body.id}/members?cursor=nope`);
    expect(bad.status).toBe(400);
    expect((await api.get(`/v1/organizations/${org.body.id}/members?limit=201`)).status).toBe(400);
  });

  it("answers every list as {data, nextCursor}, paging users and the mailbox by cursor", async () => {
    const emails = [uniqueEmail("pager"), uniqueEmail("pager"), uniqueEmail("pager")];
    for (const email of emails) expect((await api.post("/v1/users", { email })).status).toBe(201);
    const first = await api.get<{ data: Array<{ email: string }>; nextCursor: string }>("/v1/users?limit=2");
    expect(first.body.data.map((u) => u.email)).toEqual([emails[2], emails[1]]);
    const second = await api.get<{ data: Array<{ email: string }>; nextCursor: string | null }>(
      `/v1/users?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.data[0]?.email).toBe(emails[0]);
    for (const url of ["/v1/roles", "/v1/api-keys", "/v1/tenants", "/v1/mailbox", "/v1/events", "/v1/organizations", "/v1/invitations"]) {
      const res = await api.get<Record<string, unknown>>(url);
      expect(Object.keys(res.body).sort(), url).toEqual(["data", "nextCursor"]);
    }
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Paged mail" });
    for (let i = 0; i < 3; i++) await api.post("/v1/invitations", { organizationId: org.body.id, email: uniqueEmail("paged-mail") });
    await ctx.usher.worker.drain();
    const mail = await api.get<{ data: unknown[]; nextCursor: string }>("/v1/mailbox?limit=2");
    expect(mail.body.data).toHaveLength(2);
    const rest = await api.get<{ data: unknown[] }>(`/v1/mailbox?limit=2&cursor=${mail.body.nextCursor}`);
    expect(rest.body.data.length).toBeGreaterThan(0);
  });

  it("pages every cursor list to its end: the pages together are the whole list, newest first, each row once", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Paged to the end" });
    for (let i = 0; i < 2; i++) await api.post("/v1/organizations", { name: `Paged to the end ${i}` });
    for (let i = 0; i < 5; i++) await api.post("/v1/invitations", { organizationId: org.body.id, email: uniqueEmail("to-the-end") });
    for (let i = 0; i < 3; i++) await api.post("/v1/users", { email: uniqueEmail("to-the-end") });
    await ctx.usher.worker.drain();
    for (const url of ["/v1/organizations", "/v1/events", "/v1/users", "/v1/mailbox", `/v1/invitations?organizationId=${org.body.id}`]) {
      const separator = url.includes("?") ? "&" : "?";
      const whole = await api.get<{ data: Array<{ id: string }>; nextCursor: string | null }>(`${url}${separator}limit=200`);
      expect(whole.body.nextCursor, url).toBeNull();
      expect(whole.body.data.length, url).toBeGreaterThan(2);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await api.get(
          `${url}${separator}limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.body.data.length, url).toBeLessThanOrEqual(2);
        paged.push(...page.body.data.map((row) => row.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged, url).toEqual(whole.body.data.map((row) => row.id));
    }
  });

  it("keeps every field of patches sent at the same time", async () => {
    // A bug: each patch merged into the cached settings and wrote them whole, so the last one
    // put back what the others had changed.
    const answers = await Promise.all([
      api.patch("/v1/settings", { locale: "de" }),
      api.patch("/v1/settings", { brandName: "Concurrent" }),
      api.patch("/v1/settings", { limits: { pendingPerOrganization: 7_777 } }),
      api.patch("/v1/settings", { invitationLifetime: { defaultSeconds: 86_400 } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const settings = await api.get<Record<string, unknown>>("/v1/settings");
    expect(settings.body).toMatchObject({
      locale: "de",
      brandName: "Concurrent",
      limits: { pendingPerOrganization: 7_777 },
      invitationLifetime: { defaultSeconds: 86_400 },
    });
    await api.patch("/v1/settings", {
      locale: "en",
      brandName: null,
      limits: { pendingPerOrganization: 10_000 },
      invitationLifetime: { defaultSeconds: 604_800 },
    });
  });

  it("reads and patches settings, validating them and never returning the SMTP password", async () => {
    const initial = await api.get<Record<string, unknown>>("/v1/settings");
    expect(initial.body).toMatchObject({
      invitationLifetime: { defaultSeconds: 604_800, maxSeconds: 2_592_000 },
      acceptUrl: null,
      locale: "en",
      limits: {
        invitationsPerOrganizationPerHour: 10_000,
        pendingPerOrganization: 10_000,
        membersPerOrganization: 100_000,
        requestsPerKeyPerMinute: 0,
        failedTokenAttemptsPerAddressPerMinute: 30,
        sendsPerRecipientPer10Minutes: 10,
      },
      email: { smtpUrl: null, from: null, senderConfigured: false },
    });
    const patched = await api.patch<Record<string, unknown>>("/v1/settings", {
      brandName: "Acme Cloud",
      invitationLifetime: { defaultSeconds: 86_400 },
      email: { smtpUrl: "smtp://mailer:hunter2@127.0.0.1:2525", from: "Acme <team@acme.test>" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ brandName: "Acme Cloud", invitationLifetime: { defaultSeconds: 86_400, maxSeconds: 2_592_000 } });
    expect(patched.text).not.toContain("hunter2");
    expect(patched.body).toMatchObject({ email: { smtpUrl: "smtp://mailer@127.0.0.1:2525", senderConfigured: true } });
    const bad = await api.patch("/v1/settings", { invitationLifetime: { defaultSeconds: 99_000_000 } });
    expect(bad.status).toBe(400);
    expect((await api.patch("/v1/settings", { acceptUrl: "ftp://nope" })).status).toBe(400);
    expect((await api.get("/v1/events?type=settings.updated")).text).not.toContain("hunter2");
    await api.patch("/v1/settings", { email: { smtpUrl: null }, invitationLifetime: { defaultSeconds: 604_800 } });
  });

  it("creates tenants with their own admin key, isolated from the first", async () => {
    const tenant = await api.post<{ tenant: { id: string }; apiKey: { key: string } }>("/v1/tenants", { name: "Umbrella" });
    expect(tenant.status).toBe(201);
    const theirs = client(ctx.app, tenant.body.apiKey.key);
    expect((await theirs.post("/v1/organizations", { name: "Theirs" })).status).toBe(201);
    const mine = await api.get<{ data: Array<{ name: string }> }>("/v1/organizations?limit=200");
    expect(mine.body.data.map((o) => o.name)).not.toContain("Theirs");
    const tenants = await api.get<{ data: Array<{ id: string }> }>("/v1/tenants");
    expect(tenants.body.data.map((t) => t.id)).toContain(tenant.body.tenant.id);
  });

  it("binds API keys to users and records the last use", async () => {
    const user = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("bound") });
    const key = await api.post<{ key: string; apiKey: { id: string; userId: string; scopes: string[] } }>("/v1/api-keys", {
      name: "bound",
      userId: user.body.id,
      scopes: ["invitations:read"],
    });
    expect(key.status).toBe(201);
    expect(key.body.apiKey).toMatchObject({ userId: user.body.id, scopes: ["invitations:read"] });
    expect((await client(ctx.app, key.body.key).get("/v1/invitations")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const keys = await api.get<{ data: Array<{ id: string; lastUsedAt: string | null }> }>("/v1/api-keys");
    expect(keys.body.data.find((k) => k.id === key.body.apiKey.id)?.lastUsedAt).toEqual(expect.any(String));
    expect((await api.post("/v1/api-keys", { name: "x", userId: "usr_unknown" })).status).toBe(404);
  });

  it("captures invitation emails in the mailbox, with the accept link", async () => {
    const org = await api.post<{ id: string }>("/v1/organizations", { name: "Mailers" });
    const email = uniqueEmail("mailbox");
    const inv = await api.post<{ acceptUrl: string }>("/v1/invitations", { organizationId: org.body.id, email });
    // Stored with the invitation (ADR 0054): nothing is left for the delivery worker.
    expect(await ctx.usher.worker.drain()).toBe(0);
    const mailbox = await api.get<{ data: Array<{ to: string; subject: string; text: string; headers: Record<string, string> }> }>(
      `/v1/mailbox?to=${email.toUpperCase()}`,
    );
    expect(mailbox.body.data).toHaveLength(1);
    expect(mailbox.body.data[0]?.text).toContain(inv.body.acceptUrl);
    expect(mailbox.body.data[0]?.headers["Message-ID"]).toMatch(/^<msg_[A-Za-z0-9]+@usher\.test>$/);
    const after = await api.get<{ delivery: { status: string } }>(`/v1/invitations?email=${email}`);
    expect(after.text).toContain('"status":"sent"');
  });

  it("serves health, readiness, metrics, the OpenAPI document and its reference page", async () => {
    expect((await ctx.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const root = await ctx.app.inject({ url: "/" });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe("/console");
    expect((await ctx.app.inject({ url: "/readyz" })).json()).toEqual({ status: "ready", database: kind });
    const metrics = await ctx.app.inject({ url: "/metrics" });
    expect(metrics.body).toContain("usher_http_request_duration_seconds_bucket");
    const openapi = (await ctx.app.inject({ url: "/openapi.json" })).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(openapi.openapi).toBe("3.1.0");
    for (const path of ["/v1/invitations", "/v1/invitations/batch", "/v1/public/invitations/accept", "/v1/organizations/{id}/members"]) {
      expect(Object.keys(openapi.paths)).toContain(path);
    }
    const docs = await ctx.app.inject({ url: "/docs" });
    expect(docs.headers["content-type"]).toMatch(/text\/html/);
    expect(docs.body).toContain("/v1/invitations/{id}/resend");
  });
});
