/**
 * Takes the screenshots in docs/screenshots/ from a real Usher and a real Chromium:
 *   npx tsx test/web/screenshots.ts
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { ManualClock } from "../../src/core/clock.js";
import { client, tokenOf } from "../helpers/harness.js";
import { seedTenant } from "./fixtures.js";
import { consoleProblems, launchChromium, openPage, startLiveServer } from "./support.js";

const OUT = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const DESKTOP = { viewport: { width: 1280, height: 860 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function shoot(page: Page, name: string, fullPage = false) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage });
  process.stdout.write(`  ${name}.png\n`);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const clock = new ManualClock(Date.now());
  const server = await startLiveServer({
    overrides: { clock },
    config: { publicUrl: "https://usher.northwind.example" },
  });
  const api = client(server.ctx.app, server.ctx.adminKey);
  const seed = await seedTenant(api);
  const later = () => clock.advance(60_000);
  const link = (acceptUrl: string | null) => `${server.baseUrl}/accept?token=${tokenOf(acceptUrl)}`;

  // An invitation that ends by time: created first, then the clock moves past its expiry.
  const expired = await seed.invite("carol@example.com", { expiresIn: 120 });
  clock.advance(10 * 60_000);
  const pending = await seed.invite("bob@example.com", {
    roleIds: [seed.roles.Admin, seed.roles.Editor],
    redirectUrl: "https://app.northwind.example/welcome",
  });
  later();
  const german = await seed.invite("jonas@example.de", { organizationId: seed.globex.id, locale: "de" });
  later();
  const revoked = await seed.invite("dave@example.com");
  await api.post(`/v1/invitations/${revoked.id}/revoke`, {});
  later();
  const declined = await seed.invite("erin@example.com");
  await api.post("/v1/public/invitations/decline", { token: tokenOf(declined.acceptUrl) });
  later();
  const accepted = await seed.invite("frank@example.com", { redirectUrl: "https://app.northwind.example/welcome" });
  await api.post("/v1/public/invitations/accept", { token: tokenOf(accepted.acceptUrl) });
  later();
  await api.post("/v1/invitations/batch", {
    organizationId: seed.globex.id,
    emails: ["grace@example.org", "heidi@example.org", "ivan@example.org", "judy@example.org"],
    roleIds: [seed.roles.Viewer],
    inviterUserId: seed.inviterId,
  });
  await server.ctx.usher.worker.drain();

  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const desk = await openPage(browser, DESKTOP);
    const page = desk.page;

    process.stdout.write("accept pages\n");
    await page.goto(link(pending.acceptUrl));
    await shoot(page, "accept-pending", true);
    const phone = await openPage(browser, PHONE);
    await phone.page.goto(link(pending.acceptUrl));
    await shoot(phone.page, "accept-pending-phone", true);
    await phone.page.goto(link(german.acceptUrl));
    await shoot(phone.page, "accept-pending-phone-de", true);
    await page.goto(link(pending.acceptUrl));
    await page.getByRole("button", { name: "Accept invitation" }).click();
    await page.waitForSelector("h1");
    await shoot(page, "accept-success", true);
    for (const [name, invitation] of [
      ["expired", expired],
      ["revoked", revoked],
      ["declined", declined],
      ["accepted", accepted],
    ] as const) {
      await page.goto(link(invitation.acceptUrl));
      await shoot(page, `accept-${name}`, true);
    }
    await page.goto(`${server.baseUrl}/accept?token=not-a-real-token-at-all`);
    await shoot(page, "accept-unknown", true);

    process.stdout.write("console\n");
    await page.goto(`${server.baseUrl}/console`);
    await page.getByLabel("API key").waitFor();
    await shoot(page, "console-sign-in");
    await page.getByLabel("API key").fill(server.ctx.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Invitations" }).waitFor();
    await page.getByRole("table").waitFor();
    await shoot(page, "console-invitations");
    await phone.page.goto(`${server.baseUrl}/console`);
    await phone.page.getByLabel("API key").fill(server.ctx.adminKey);
    await phone.page.getByRole("button", { name: "Sign in" }).click();
    await phone.page.getByRole("table").waitFor();
    await shoot(phone.page, "console-invitations-phone");

    later();
    await page.getByRole("link", { name: "Invite people" }).click();
    await page.getByLabel("Organization").selectOption({ label: "Acme Robotics" });
    await page.getByLabel("Email addresses").fill("kim@example.com\nlee@example.com, bob@example.com\nnot-an-email");
    await page.getByLabel("Editor").check();
    await page.getByRole("button", { name: "Send invitations" }).click();
    await page.getByRole("heading", { name: "Results" }).waitFor();
    await shoot(page, "console-invite", true);

    await server.ctx.usher.worker.drain();
    await page.getByRole("link", { name: "Mailbox" }).click();
    await page.locator("details.message").first().waitFor();
    await page.locator("details.message summary").first().click();
    await page.waitForTimeout(300);
    await shoot(page, "console-mailbox");

    await page.getByRole("link", { name: "Audit trail" }).click();
    await page.getByRole("table").waitFor();
    await shoot(page, "console-audit");

    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Save settings" }).waitFor();
    await shoot(page, "console-settings", true);

    // The success page's redirect to the example app is blocked on purpose; anything else is worth a look.
    const foreign = desk.watch.foreignRequests.filter((url) => !url.startsWith("https://app.northwind.example/"));
    const problems = [
      ...consoleProblems(desk.watch, [404, 410]),
      ...foreign,
      ...consoleProblems(phone.watch),
      ...phone.watch.foreignRequests,
    ];
    if (problems.length > 0) process.stdout.write(`warnings:\n${problems.join("\n")}\n`);
  } finally {
    await browser?.close();
    await server.close();
  }
}

await main();
