import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client } from "../helpers/harness.js";
import { seedTenant } from "./fixtures.js";
import {
  consoleProblems,
  type LiveServer,
  launchChromium,
  openPage,
  type PageWatch,
  RUN_BROWSER_TESTS,
  startLiveServer,
} from "./support.js";

type Inv = { id: string; email: string; status: string; sendCount: number; roleIds: string[]; acceptUrl: string | null };

/*
 * One signed-in browser walks through the console in order, each step checked through the API.
 * Chromium runs on SQLite only: the console talks only to the native API, whose behaviour on
 * PostgreSQL its own suites cover; a second browser run would double the time for no new code.
 */
// Skipped only off CI on a machine without Chromium (see RUN_BROWSER_TESTS for the reason).
describe.runIf(RUN_BROWSER_TESTS)("admin console in Chromium", () => {
  let server: LiveServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let api: Client;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  let orgId = "";

  const invitationsOf = async (query: string) => (await api.get<{ data: Inv[] }>(`/v1/invitations?${query}`)).body.data;
  const nav = (name: string) => page.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true }).click();
  const heading = (name: string) => page.getByRole("heading", { level: 1, name }).waitFor();

  beforeAll(async () => {
    server = await startLiveServer();
    api = client(server.ctx.app, server.ctx.adminKey);
    seed = await seedTenant(api);
    browser = await launchChromium();
    ({ context, page, watch } = await openPage(browser, { viewport: { width: 1280, height: 900 } }));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("refuses a wrong key, then signs in and keeps the key in sessionStorage only", async () => {
    await page.goto(`${server.baseUrl}/console`);
    const key = page.getByLabel("API key");
    await key.fill("key_nobody.not-a-secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("This API key was not accepted").waitFor();
    await expect(key.getAttribute("aria-invalid")).resolves.toBe("true");
    await key.fill(server.ctx.adminKey);
    await key.press("Enter");
    await heading("Invitations");
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("usher.console.apiKey"),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ session: server.ctx.adminKey, local: 0, cookie: "" });
    await page.getByText("Northwind").first().waitFor();
  });

  it("creates an organization", async () => {
    await nav("Organizations");
    await heading("Organizations");
    await page.getByLabel("Name").fill("Initech");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.locator("#main").getByRole("status").getByText("Created Initech.").waitFor();
    await page.getByRole("cell", { name: "Initech", exact: true }).waitFor();
    const orgs = (await api.get<{ data: Array<{ id: string; name: string }> }>("/v1/organizations")).body.data;
    orgId = orgs.find((o) => o.name === "Initech")?.id ?? "";
    expect(orgId).toMatch(/^org_/);
  });

  it("invites one person with a role", async () => {
    await nav("Invite");
    await heading("Invite people");
    await page.getByLabel("Organization").selectOption({ label: "Initech" });
    await page.getByLabel("Email addresses").fill("one@example.com");
    await page.getByLabel("Editor").check();
    await page.getByRole("button", { name: "Send invitations" }).click();
    await page.locator("#main").getByRole("status").getByText("1 invited.").waitFor();
    const [one] = await invitationsOf("email=one@example.com");
    expect(one).toMatchObject({ status: "pending", roleIds: [seed.roles.Editor] });
    await expect(page.getByLabel("Email addresses").inputValue()).resolves.toBe("");
  });

  it("invites many from a pasted list and shows each address's result", async () => {
    await page.getByLabel("Organization").selectOption({ label: "Initech" });
    await page.getByLabel("Email addresses").fill("two@example.com\nthree@example.com, one@example.com;\n  not-an-email ");
    await page.getByRole("button", { name: "Send invitations" }).click();
    await page.locator("#main").getByRole("status").getByText("2 invited, 2 not invited.").waitFor();
    const rows = await page.getByRole("region", { name: "Invitation results" }).getByRole("row").allInnerTexts();
    expect(rows.slice(1).map((r) => r.replace(/\s+/g, " ").trim())).toEqual([
      "two@example.com Invited",
      "three@example.com Invited",
      expect.stringMatching(/^one@example\.com Not invited .+/),
      expect.stringMatching(/^not-an-email Not invited .+/),
    ]);
    await expect(page.getByLabel("Email addresses").inputValue()).resolves.toBe("one@example.com\nnot-an-email");
    expect((await invitationsOf(`organizationId=${orgId}&status=pending`)).map((i) => i.email).sort()).toEqual([
      "one@example.com",
      "three@example.com",
      "two@example.com",
    ]);
  });

  it("filters the invitations, copies a link, resends and revokes", async () => {
    await nav("Invitations");
    await heading("Invitations");
    await page.getByLabel("Organization").selectOption({ label: "Initech" });
    await page.getByLabel("Status").selectOption("pending");
    await page.getByText("Showing 1–3 of 3 invitations").waitFor();
    const table = page.getByRole("region", { name: "Invitations" });

    const [one] = await invitationsOf("email=one@example.com");
    await table.getByRole("button", { name: "Copy link for one@example.com" }).click();
    await page.getByText("Copied the invitation link for one@example.com.").waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(one?.acceptUrl);

    await table.getByRole("button", { name: "Resend to two@example.com" }).click();
    await page.getByText("Sent the invitation to two@example.com again.").waitFor();
    expect((await invitationsOf("email=two@example.com"))[0]?.sendCount).toBe(2);

    await table.getByRole("button", { name: "Revoke the invitation of three@example.com" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke this invitation?" });
    await expect(dialog.evaluate((el) => el.contains(document.activeElement))).resolves.toBe(true);
    await dialog.getByRole("button", { name: "Revoke invitation" }).click();
    await page.getByText("Revoked the invitation of three@example.com.").waitFor();
    expect((await invitationsOf("email=three@example.com"))[0]?.status).toBe("revoked");
    await page.getByText("Showing 1–2 of 2 invitations").waitFor();

    await page.getByLabel("Email address").fill("three@example.com");
    await page.getByLabel("Status").selectOption("");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("Showing 1–1 of 1 invitation").waitFor();
    await table.getByText("Revoked", { exact: true }).waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("pages through a long list with the API's cursors", async () => {
    const big = (await api.post<{ id: string }>("/v1/organizations", { name: "Umbrella" })).body;
    const emails = Array.from({ length: 23 }, (_, i) => `person${i}@umbrella.example`);
    expect((await api.post("/v1/invitations/batch", { organizationId: big.id, emails, sendEmail: false })).status).toBe(201);
    await nav("Organizations");
    await page.getByRole("link", { name: "View the invitations of Umbrella" }).click();
    await heading("Invitations");
    await page.getByText("Showing 1–20 of 23 invitations").waitFor();
    await expect(page.getByRole("button", { name: "Previous page" }).isDisabled()).resolves.toBe(true);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Showing 21–23 of 23 invitations").waitFor();
    await expect.poll(() => page.getByRole("region", { name: "Invitations" }).getByRole("row").count()).toBe(4);
    await expect(page.getByRole("button", { name: "Next page" }).isDisabled()).resolves.toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByText("Showing 1–20 of 23 invitations").waitFor();
  });

  it("shows the captured email in the mailbox", async () => {
    await server.ctx.usher.worker.drain();
    const [one] = await invitationsOf("email=one@example.com");
    const token = new URL(one?.acceptUrl ?? "http://x/").searchParams.get("token") ?? "missing";
    await nav("Mailbox");
    await heading("Mailbox");
    await page.getByLabel("Recipient").fill("one@example.com");
    await page.getByRole("button", { name: "Show messages" }).click();
    const message = page.locator("details.message").filter({ hasText: "To one@example.com" });
    // The view first lists every message; wait for the filtered reload to replace that list.
    await expect.poll(() => page.locator("details.message").count(), { timeout: 10_000 }).toBe(1);
    await message.waitFor();
    await message.locator("summary").click();
    await expect(message.locator(".message-text").textContent()).resolves.toContain(token);
    await expect(message.locator("iframe").getAttribute("sandbox")).resolves.toBe("");
  });

  it("shows the audit trail, filtered by type", async () => {
    const [three] = await invitationsOf("email=three@example.com");
    await nav("Audit trail");
    await heading("Audit trail");
    const table = page.getByRole("region", { name: "Audit trail" });
    await table.getByText("invitation.created").first().waitFor();
    await page.getByLabel("Event type").fill("invitation.revoked");
    await page.getByRole("button", { name: "Filter" }).click();
    await table.getByText("invitation.created").first().waitFor({ state: "detached" });
    const revoked = await table.getByRole("row").allTextContents();
    expect(revoked).toHaveLength(2);
    expect(revoked[1]).toContain(three?.id);
    await page.getByLabel("Event type").fill("organization.created");
    await page.getByRole("button", { name: "Filter" }).click();
    await table.getByText("invitation.revoked").waitFor({ state: "detached" });
    await table.getByText("organization.created").first().waitFor();
    await table.getByText("Organization Initech", { exact: true }).waitFor();
  });

  it("saves settings and explains a value that is refused", async () => {
    await nav("Settings");
    await heading("Settings");
    await page.getByLabel("Brand name").fill("Initrode");
    await page.getByLabel("Default lifetime (days)").fill("3");
    await page.getByLabel("Count pending invitations toward the member limit when inviting").check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    const settings = (
      await api.get<{ brandName: string; invitationLifetime: { defaultSeconds: number }; limits: { membersIncludePending: boolean } }>(
        "/v1/settings",
      )
    ).body;
    expect(settings.brandName).toBe("Initrode");
    expect(settings.invitationLifetime.defaultSeconds).toBe(3 * 86_400);
    expect(settings.limits.membersIncludePending).toBe(true);

    const max = page.getByLabel("Longest lifetime allowed (days)");
    await max.fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Some settings need fixing.").waitFor();
    await expect(max.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).resolves.toBe("true");
  });

  it("signs out and forgets the key", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);
  });

  it("never left 127.0.0.1 and logged no errors beyond the expected 401 and 400 answers", () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(consoleProblems(watch, [400, 401])).toEqual([]);
  });
});
