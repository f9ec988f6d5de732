import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
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

type Inv = { id: string; acceptUrl: string | null; status: string; sendCount: number };
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** The accept pages over HTTP: status codes, headers, escaping, locales and every state. */
describe.each(databaseKinds)("accept pages over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let org: { organizationId: string; roleId: string };
  const clock = new ManualClock();

  const invite = async (extra: Record<string, unknown> = {}) => {
    const res = await api.post<Inv>("/v1/invitations", {
      organizationId: org.organizationId,
      email: uniqueEmail("page"),
      sendEmail: false,
      ...extra,
    });
    expect(res.status, res.text).toBe(201);
    return { ...res.body, token: tokenOf(res.body.acceptUrl) };
  };
  const get = (url: string, headers: Record<string, string> = {}, remoteAddress = "127.0.0.1") =>
    ctx.app.inject({ method: "GET", url, headers, remoteAddress });
  const post = (url: string, payload: string, headers: Record<string, string> = FORM, remoteAddress = "127.0.0.1") =>
    ctx.app.inject({ method: "POST", url, payload, headers, remoteAddress });
  const status = async (id: string) => (await api.get<Inv>(`/v1/invitations/${id}`)).body.status;

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    org = await seedOrganization(api, `Tom & Jerry <script>alert(1)</script>`);
  });
  afterAll(async () => ctx?.close());

  it("shows a pending invitation with escaped names and the security headers, and GET changes nothing", async () => {
    const inv = await invite({ roleIds: [org.roleId] });
    for (const method of ["GET", "HEAD"] as const) {
      const res = await ctx.app.inject({ method, url: `/accept?token=${inv.token}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["content-security-policy"]).toMatch(
        /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; .*frame-ancestors 'none'/,
      );
    }
    const page = (await get(`/accept?token=${inv.token}`)).body;
    expect(page).toContain("Tom &#38; Jerry &#60;script&#62;alert(1)&#60;/script&#62;");
    expect(page).not.toContain("<script");
    expect(page).toContain('<form method="post" action="/accept">');
    expect(page).toContain(`<input type="hidden" name="token" value="${inv.token}">`);
    expect(page).toContain('formaction="/accept/decline"');
    expect(await status(inv.id)).toBe("pending");
  });

  it("accepts with the token in a form body, then shows the success page and the redirect", async () => {
    const inv = await invite({ redirectUrl: "https://app.example.com/welcome?x=1" });
    const res = await post("/accept", `token=${encodeURIComponent(inv.token)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Welcome to Tom &#38; Jerry");
    expect(res.body).toContain('<meta http-equiv="refresh" content="3;url=https://app.example.com/welcome?x=1">');
    expect(res.body).toContain('href="https://app.example.com/welcome?x=1"');
    expect(await status(inv.id)).toBe("accepted");
    const again = await post("/accept", `token=${inv.token}`);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain("This invitation has already been accepted");
  });

  it("never follows or links a redirect that is not a web address", async () => {
    // The API refuses such URLs; the page does not rely on that (older rows, other dialects).
    const inv = await invite({ redirectUrl: "https://app.example.com/" });
    await ctx.usher.db.updateTable("invitations").set({ redirect_url: "javascript:alert(1)" }).where("id", "=", inv.id).execute();
    const res = await post("/accept", `token=${inv.token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("javascript:");
    expect(res.body).not.toContain("http-equiv");
    expect(res.body).toContain("You can close this page now.");
  });

  it("declines with the token in a form body", async () => {
    const inv = await invite();
    const res = await post("/accept/decline", `token=${inv.token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Invitation declined");
    expect(await status(inv.id)).toBe("declined");
  });

  it("shows a distinct page for each ended state, on GET and on POST, without changing anything", async () => {
    const expired = await invite({ expiresIn: 60 });
    clock.advance(120_000);
    const revoked = await invite();
    await api.post(`/v1/invitations/${revoked.id}/revoke`);
    const declined = await invite();
    await api.post("/v1/public/invitations/decline", { token: declined.token });
    const accepted = await invite();
    await api.post("/v1/public/invitations/accept", { token: accepted.token });
    const cases = [
      [expired, "expired", "This invitation has expired"],
      [revoked, "revoked", "This invitation was withdrawn"],
      [declined, "declined", "This invitation was declined"],
      [accepted, "accepted", "This invitation has already been accepted"],
    ] as const;
    const bodies = new Set<string>();
    for (const [inv, state, heading] of cases) {
      const page = await get(`/accept?token=${inv.token}`);
      expect(page.statusCode, state).toBe(410);
      expect(page.body, state).toContain(heading);
      expect(page.body, state).not.toContain("<form");
      bodies.add(page.body);
      for (const path of ["/accept", "/accept/decline"]) {
        const res = await post(path, `token=${inv.token}`);
        expect(res.statusCode, `${state} ${path}`).toBe(410);
        expect(res.body).toContain(heading);
      }
      expect(await status(inv.id)).toBe(state);
    }
    expect(bodies.size).toBe(4);
  });

  it("answers unknown, malformed and missing tokens with one identical page", async () => {
    const unknown = await get(`/accept?token=${"A".repeat(43)}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("This invitation link doesn’t work");
    for (const url of [
      "/accept?token=%3Cscript%3E",
      "/accept?token=short",
      "/accept",
      "/accept?token=a&token=b",
      `/accept?token=${"x".repeat(600)}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).toBe(unknown.body);
    }
    for (const payload of ["", "token=", "token=nope", "other=1", `token=${"B".repeat(43)}`]) {
      const res = await post("/accept", payload);
      expect(res.statusCode, payload).toBe(404);
      expect(res.body, payload).toBe(unknown.body);
    }
  });

  it("shows a friendly 429 page with Retry-After once an address has failed too often, even for a real token", async () => {
    const inv = await invite();
    const address = "127.0.0.77";
    for (let i = 0; i < 30; i += 1) expect((await get(`/accept?token=${"C".repeat(43)}${i}`, {}, address)).statusCode).toBe(404);
    const limited = await get(`/accept?token=${inv.token}`, { "accept-language": "fr" }, address);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.body).toContain("Trop de tentatives");
    const posted = await post("/accept", `token=${inv.token}`, FORM, address);
    expect(posted.statusCode).toBe(429);
    expect(await status(inv.id)).toBe("pending");
    expect((await get(`/accept?token=${inv.token}`)).statusCode).toBe(200);
  });

  it("says so when the invitee is already a member, and leaves the invitation pending", async () => {
    const email = uniqueEmail("member");
    const first = await invite({ email });
    await api.post("/v1/public/invitations/accept", { token: first.token });
    const other = await seedOrganization(api, "Second");
    const user = (await api.get<{ data: Array<{ id: string }> }>(`/v1/users?email=${email}`)).body.data[0];
    const second = await invite({ email, organizationId: other.organizationId });
    expect(user).toBeDefined();
    await api.post(`/v1/organizations/${other.organizationId}/members`, { userId: user?.id });
    const res = await post("/accept", `token=${second.token}`);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain("You’re already a member");
    expect(await status(second.id)).toBe("pending");
  });

  it("explains a full organization and leaves the invitation pending", async () => {
    const full = await seedOrganization(api, "Full House");
    const first = await invite({ organizationId: full.organizationId });
    await api.post("/v1/public/invitations/accept", { token: first.token });
    await api.patch("/v1/settings", { limits: { membersPerOrganization: 1 } });
    const second = await invite({ organizationId: full.organizationId });
    const res = await post("/accept", `token=${second.token}`);
    await api.patch("/v1/settings", { limits: { membersPerOrganization: 100_000 } });
    expect(res.statusCode).toBe(429);
    expect(res.body).toContain("This organization is full");
    expect(await status(second.id)).toBe("pending");
  });

  it("speaks the invitation's language, else the browser's, else the tenant's", async () => {
    const japanese = await invite({ locale: "ja" });
    const ja = await get(`/accept?token=${japanese.token}`, { "accept-language": "de" });
    expect(ja.body).toContain('<html lang="ja">');
    expect(ja.body).toContain("招待を承諾する");
    const plain = await invite();
    const de = await get(`/accept?token=${plain.token}`, { "accept-language": "pt-BR, de-DE;q=0.8" });
    expect(de.body).toContain('<html lang="de">');
    expect(de.body).toContain("Einladung annehmen");
    await api.patch("/v1/settings", { locale: "zh-CN", brandName: "Northwind & Co" });
    const zh = await get(`/accept?token=${plain.token}`, { "accept-language": "pt" });
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain("接受邀请");
    expect(zh.body).toContain("<header>Northwind &#38; Co</header>");
    await api.patch("/v1/settings", { locale: "en", brandName: null });
  });

  it("answers broken requests with an HTML 4xx page, never a 5xx", async () => {
    const cases = [
      await post("/accept", "--x\r\n", { "content-type": "multipart/form-data; boundary=x" }),
      await post("/accept", "token=%E0%A4%A", FORM),
      await post("/accept", `token=${"a".repeat(5000)}`, FORM),
      await post("/accept", "{", { "content-type": "application/json" }),
      await ctx.app.inject({ method: "PUT", url: "/accept" }),
      await get("/accept/nothing-here"),
    ];
    for (const res of cases) {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, res.body).toBeLessThan(500);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
  });

  it("keeps the pages out of the API document", async () => {
    const doc = (await api.get<{ paths: Record<string, unknown> }>("/openapi.json")).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/accept") || p.startsWith("/console"))).toEqual([]);
  });
});
