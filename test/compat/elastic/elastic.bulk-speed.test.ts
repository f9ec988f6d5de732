import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elasticBulkCreate } from "../../../bench/scenarios/elastic-bulk.js";
import { createTestContext, databaseKinds, type TestContext } from "../../helpers/harness.js";
import { seedElastic } from "./helpers.js";

/**
 * Measures (prints, never asserts) a 1,000-email create through real HTTP: the target is
 * ≤ 500 ms on PostgreSQL. The first run warms the process up; the next ones are reported.
 */
describe.each(databaseKinds)("Elastic dialect, 1,000-email create over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let baseUrl: string;
  let organizationIds: string[];

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    baseUrl = await ctx.app.listen({ port: 0, host: "127.0.0.1" });
    organizationIds = [];
    for (const name of ["Bulk warm-up", "Bulk 1", "Bulk 2", "Bulk 3"]) {
      organizationIds.push((await seedElastic(ctx, name)).organizationId);
    }
  });
  afterAll(async () => ctx?.close());

  it("creates 1,000 invitations in one request and reports the time", async () => {
    const timings: number[] = [];
    for (const organizationId of organizationIds) timings.push((await elasticBulkCreate(baseUrl, ctx.adminKey, organizationId)).ms);
    const measured = timings.slice(1).map((ms) => Math.round(ms));
    console.info(`[elastic bulk create, ${kind}] warm-up ${Math.round(timings[0] ?? 0)} ms; runs ${measured.join(", ")} ms`);
    const open = await ctx.app.inject({
      method: "GET",
      url: `/api/v1/organizations/${organizationIds[1]}/invitations`,
      headers: { authorization: `ApiKey ${ctx.adminKey}` },
    });
    expect((JSON.parse(open.body) as { invitations: unknown[] }).invitations).toHaveLength(1000);
  });
});
