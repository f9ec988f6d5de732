import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { type Client, client, tokenOf } from "../helpers/harness.js";
import { type Invited, seedTenant } from "./fixtures.js";
import { consoleProblems, type LiveServer, launchChromium, openPage, RUN_BROWSER_TESTS, startLiveServer } from "./support.js";

/*
 * Chromium runs on SQLite only. The pages call the same services as the API, and the HTTP suite
 * (accept-http.test.ts) covers every state of these pages on both databases; a second browser
 * run on PostgreSQL would double the time of the slowest suite without reaching other code.
 */
// Skipped only off CI on a machine without Chromium (see RUN_BROWSER_TESTS for the reason).
describe.runIf(RUN_BROWSER_TESTS)("accept page in Chromium", () => {
  const clock = new ManualClock();
  let server: LiveServer;
  let browser: Browser;
  let api: Client;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  const link = (invitation: Invited) => `${server.baseUrl}/accept?token=${tokenOf(invitation.acceptUrl)}`;
  const statusOf = async (invitation: Invited) => (await api.get<Invited>(`/v1/invitations/${invitation.id}`)).body.status;

  beforeAll(async () => {
    server = await startLiveServer({ overrides: { clock } });
    api = client(server.ctx.app, server.ctx.adminKey);
    seed = await seedTenant(api);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("accepts without JavaScript, grants the roles and follows the redirect without a referrer", async () => {
    const { context, page, watch } = await openPage(browser, { javaScriptEnabled: false });
    const landing: Array<string | undefined> = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/healthz") landing.push(request.headers().referer);
    });
    const invitation = await seed.invite("river@example.com", {
      roleIds: [seed.roles.Admin, seed.roles.Viewer],
      redirectUrl: `${server.baseUrl}/healthz`,
    });
    const shown = await page.goto(link(invitation));
    expect(shown?.status()).toBe(200);
    await expect(page.title()).resolves.toBe("Join Acme Robotics · Northwind");
    const details = await page.locator("dl").textContent();
    expect(details).toContain("river@example.com");
    expect(details).toContain("Ada Lovelace");
    expect(details).toContain("Admin and Viewer");
    expect(await statusOf(invitation)).toBe("pending");

    await page.getByRole("button", { name: "Accept invitation" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Welcome to Acme Robotics");
    const host = new URL(server.baseUrl).host;
    await expect(page.getByRole("link", { name: `Continue to ${host}` }).getAttribute("href")).resolves.toBe(`${server.baseUrl}/healthz`);
    await page.waitForURL(`${server.baseUrl}/healthz`, { timeout: 10_000 });
    expect(landing).toEqual([undefined]);

    expect(await statusOf(invitation)).toBe("accepted");
    const members = await api.get<{ data: Array<{ roleIds: string[] }> }>(`/v1/organizations/${seed.acme.id}/members`);
    expect(members.body.data.map((m) => [...m.roleIds].sort())).toContainEqual([seed.roles.Admin, seed.roles.Viewer].sort());
    expect(watch.foreignRequests).toEqual([]);
    expect(consoleProblems(watch)).toEqual([]);
    await context.close();
  });

  it("declines from the keyboard: Accept is the first stop, Decline the next", async () => {
    const { context, page, watch } = await openPage(browser);
    const invitation = await seed.invite("sky@example.com");
    await page.goto(link(invitation));
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Accept invitation");
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Decline");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Invitation declined");
    expect(await statusOf(invitation)).toBe("declined");
    expect(watch.foreignRequests).toEqual([]);
    expect(consoleProblems(watch)).toEqual([]);
    await context.close();
  });

  it("shows a clear page for every ended or unknown link, with nothing to click", async () => {
    const { context, page, watch } = await openPage(browser);
    const expired = await seed.invite("expired@example.com", { expiresIn: 60 });
    clock.advance(5 * 60_000);
    const revoked = await seed.invite("revoked@example.com");
    await api.post(`/v1/invitations/${revoked.id}/revoke`);
    const declined = await seed.invite("declined@example.com");
    await api.post("/v1/public/invitations/decline", { token: tokenOf(declined.acceptUrl) });
    const accepted = await seed.invite("accepted@example.com");
    await api.post("/v1/public/invitations/accept", { token: tokenOf(accepted.acceptUrl) });
    const cases: Array<[string, number, string]> = [
      [link(expired), 410, "This invitation has expired"],
      [link(revoked), 410, "This invitation was withdrawn"],
      [link(declined), 410, "This invitation was declined"],
      [link(accepted), 410, "This invitation has already been accepted"],
      [`${server.baseUrl}/accept?token=${"Z".repeat(43)}`, 404, "This invitation link doesn’t work"],
      [`${server.baseUrl}/accept?token=%3Cb%3Ehi`, 404, "This invitation link doesn’t work"],
    ];
    for (const [url, status, heading] of cases) {
      const response = await page.goto(url);
      expect(response?.status(), heading).toBe(status);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(heading);
      expect(await page.getByRole("button").count()).toBe(0);
    }
    expect([await statusOf(expired), await statusOf(revoked), await statusOf(declined), await statusOf(accepted)]).toEqual([
      "expired",
      "revoked",
      "declined",
      "accepted",
    ]);
    expect(watch.foreignRequests).toEqual([]);
    expect(consoleProblems(watch, [404, 410])).toEqual([]);
    await context.close();
  });

  it("fits a phone screen and speaks the browser's language", async () => {
    const { context, page, watch } = await openPage(browser, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      locale: "ja-JP",
    });
    const invitation = await seed.invite("mobile@example.com");
    await page.goto(link(invitation));
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("ja");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Acme Robotics に参加");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const name of ["招待を承諾する", "辞退する"]) {
      const box = await page.getByRole("button", { name }).boundingBox();
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
      expect(box?.width ?? 0).toBeGreaterThan(280);
    }
    expect(watch.foreignRequests).toEqual([]);
    expect(consoleProblems(watch)).toEqual([]);
    await context.close();
  });
});
