import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_DIR, loadConsoleFiles } from "../../src/web/console-routes.js";
import { createTestContext, type TestContext } from "../helpers/harness.js";

/** Serving the console's static files needs no database: SQLite only. */
describe("console static files", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext("sqlite");
  });
  afterAll(async () => ctx?.close());

  it("finds the files next to the sources, from src/ and from dist/ alike", () => {
    expect(CONSOLE_DIR.replace(/\\/g, "/")).toMatch(/\/src\/web\/console\/$/);
    expect(new URL("../../src/web/console/", "file:///srv/usher/dist/web/console-routes.js").pathname).toBe("/srv/usher/src/web/console/");
    const files = [...loadConsoleFiles().keys()];
    expect(files).toEqual(expect.arrayContaining(["index.html", "app.js", "console.css", "views/invitations.js"]));
  });

  it("serves the shell at /console and /console/ with a strict policy", async () => {
    for (const url of ["/console", "/console/"]) {
      const res = await ctx.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.body).toContain('<script type="module" src="/console/app.js"></script>');
      expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(res.headers["content-security-policy"]).toContain("connect-src 'self'");
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
    }
  });

  it("serves modules with their type and an ETag, and answers 304 when unchanged", async () => {
    const res = await ctx.app.inject({ url: "/console/views/invite.js" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    const etag = String(res.headers.etag);
    const again = await ctx.app.inject({ url: "/console/views/invite.js", headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("serves nothing outside the known files", async () => {
    for (const url of [
      "/console/../package.json",
      "/console/%2e%2e/package.json",
      "/console/..%2fpackage.json",
      "/console/nope.js",
      "/console/views/",
    ]) {
      const res = await ctx.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('"name": "usher"');
    }
  });
});
