import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { Config } from "../../src/config.js";
import type { Overrides } from "../../src/container.js";
import { createTestContext, type TestContext } from "../helpers/harness.js";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The browser suites run wherever Chromium is installed, and always in CI (which installs it,
 * so a missing browser fails there). On a developer machine without Chromium they are skipped,
 * because `npm test` must pass on a fresh machine; `apt-get install -y chromium` enables them.
 */
export const RUN_BROWSER_TESTS = existsSync(CHROMIUM_PATH) || process.env.CI === "true";

/** A real Usher listening on 127.0.0.1 (port chosen by the system), over SQLite. */
export interface LiveServer {
  ctx: TestContext;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startLiveServer(
  options: { overrides?: Overrides; startWorker?: boolean; config?: Partial<Config> } = {},
): Promise<LiveServer> {
  const ctx = await createTestContext("sqlite", options);
  const address = await ctx.app.listen({ port: 0, host: "127.0.0.1" });
  return { ctx, baseUrl: address.replace("localhost", "127.0.0.1"), close: () => ctx.close() };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * What a page did that it should not have: requests to anything but 127.0.0.1 (blocked before
 * they leave) and console errors or uncaught exceptions.
 */
export interface PageWatch {
  foreignRequests: string[];
  consoleErrors: Array<{ text: string; url: string }>;
}

const LOCAL_PROTOCOLS = new Set(["data:", "about:", "blob:"]);

export async function guardContext(context: BrowserContext): Promise<PageWatch> {
  const watch: PageWatch = { foreignRequests: [], consoleErrors: [] };
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (LOCAL_PROTOCOLS.has(url.protocol) || url.hostname === "127.0.0.1") return route.continue();
    watch.foreignRequests.push(url.href);
    return route.abort("blockedbyclient");
  });
  context.on("page", (page) => watchPage(page, watch));
  return watch;
}

export function watchPage(page: Page, watch: PageWatch): void {
  page.on("console", (message) => {
    if (message.type() === "error") watch.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on("pageerror", (error) => watch.consoleErrors.push({ text: `uncaught: ${error.message}`, url: page.url() }));
}

const STATUS_NOTE = /^Failed to load resource: the server responded with a status of (\d{3})\b/;

/**
 * Console errors, less Chromium's own note that a response had an error status when the test
 * asked for exactly that status (an ended link's 410, a wrong key's 401). Script errors, CSP
 * violations and any other status stay.
 */
export function consoleProblems(watch: PageWatch, expectedStatuses: number[] = []): string[] {
  return watch.consoleErrors
    .filter(({ text }) => {
      const status = STATUS_NOTE.exec(text)?.[1];
      return !(status && expectedStatuses.includes(Number(status)));
    })
    .map(({ text, url }) => `${text} (${url})`);
}

/** A fresh browser context with the guard installed and one page opened in it. */
export async function openPage(
  browser: Browser,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext(options);
  const watch = await guardContext(context);
  const page = await context.newPage();
  return { context, page, watch };
}
