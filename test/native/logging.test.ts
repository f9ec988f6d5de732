import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../../src/logging.js";
import { ADMIN_KEY, client, createTestContext, seedOrganization, type TestContext, tokenOf, uniqueEmail } from "../helpers/harness.js";

describe("logs never carry tokens or secrets", () => {
  let ctx: TestContext;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    ctx = await createTestContext("sqlite", { overrides: { log: pino(loggerOptions("trace"), sink) } });
  });
  afterAll(async () => ctx?.close());

  it("redacts the Authorization header, token query parameters and request bodies", async () => {
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api);
    const inv = await api.post<{ acceptUrl: string }>("/v1/invitations", { organizationId, email: uniqueEmail() });
    const token = tokenOf(inv.body.acceptUrl);
    await ctx.app.inject({ method: "GET", url: `/accept?token=${token}` });
    await ctx.app.inject({ method: "GET", url: `/v2/manage/invitations?apikey=key_testadmin&apisecret=${ADMIN_KEY.split(".")[1]}` });
    await client(ctx.app, null).post("/v1/public/invitations/accept", { token });
    const created = await api.post<{ key: string }>("/v1/api-keys", { name: "logged?" });
    ctx.usher.log.info({ token, secret: "s3cret", key: created.body.key }, "a careless line");

    const all = lines.join("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(all).toContain("incoming request");
    expect(all).not.toContain(token);
    expect(all).not.toContain(ADMIN_KEY.split(".")[1]);
    expect(all).not.toContain(created.body.key.split(".")[1]);
    expect(all).toContain("[REDACTED]");
  });
});
