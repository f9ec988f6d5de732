import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../../../src/logging.js";
import { createTestContext, databaseKinds, type TestContext } from "../../helpers/harness.js";
import { boundUser, seedElastic } from "./helpers.js";

describe.each(databaseKinds)("Elastic dialect, tokens and keys never logged nor echoed in errors (%s)", (kind) => {
  let ctx: TestContext;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    ctx = await createTestContext(kind, { overrides: { log: pino(loggerOptions("trace"), sink) } });
  });
  afterAll(async () => ctx?.close());

  it("keeps every token and key out of the log and out of error answers", async () => {
    const seed = await seedElastic(ctx);
    const invitee = await boundUser(seed.admin, ctx.app);
    const created = await seed.api.create(seed.organizationId, {
      emails: [invitee.email, "a@example.com", "b@example.com", "c@example.com"],
    });
    const [mine, a, b, c] = created.body.invitations.map((i) => i.token) as [string, string, string, string];
    const answers = [
      await seed.api.get(a),
      await seed.api.list(seed.organizationId),
      await seed.api.call("DELETE", `/organizations/${seed.organizationId}/invitations/${a},${b}`),
      await seed.api.call("DELETE", `/organizations/${seed.organizationId}/invitations/${encodeURIComponent(`${c}, ${mine}x`)}`),
      await seed.api.call("POST", `/organizations/invitations/${c}/_decline`),
      await seed.api.call("GET", `/organizations/invitations/${c}/_accept`),
      await invitee.api.accept(mine),
      await seed.api.call("GET", `/organizations/invitations/${c}?token=${c}`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 404, 404, 404, 200, 200]);

    const secrets = [mine, a, b, c, ctx.adminKey.split(".")[1] ?? "", invitee.key.split(".")[1] ?? ""];
    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(log).not.toContain(secret);
    const errors = answers.filter((r) => r.status >= 400).map((r) => r.text);
    for (const secret of secrets) for (const text of errors) expect(text).not.toContain(secret);
  });
});
