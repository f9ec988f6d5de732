import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestContext, databaseKinds, seedOrganization, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { expectEnvelope, type LoginRadiusClient, type LrCall, type LrInvitation, loginRadiusClient } from "./lr-client.js";

/** JSON that is not an object: the whole body is wrong (7914). */
const notAnObject = fc.jsonValue().filter((v) => typeof v !== "object" || v === null || Array.isArray(v));
/** Any JSON but a string, for a field that must be one. */
const notAString = fc.jsonValue().filter((v) => typeof v !== "string");
const notAList = fc.jsonValue().filter((v) => !Array.isArray(v));
const mentionsEmail = (key: string) => key.toLowerCase() === "email";

describe.each(databaseKinds)("LoginRadius malformed bodies, property (%s)", (kind) => {
  let ctx: TestContext;
  let lr: LoginRadiusClient;
  let orgId: string;
  let pendingId: string;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    orgId = (await seedOrganization(client(ctx.app, ctx.adminKey))).organizationId;
    pendingId = (await lr.send<LrInvitation>({ email: uniqueEmail(), orgId })).body.Id;
  });
  afterAll(async () => ctx?.close());

  it("answers every malformed body with a 4xx in LoginRadius's envelope, and changes nothing", async () => {
    const malformedSend: fc.Arbitrary<LrCall> = fc.oneof(
      fc.string({ maxLength: 200 }).map((body) => ({ method: "POST" as const, path: "", body })),
      notAnObject.map((value) => ({ method: "POST" as const, path: "", body: JSON.stringify(value) })),
      fc
        .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
        .filter((o) => !Object.keys(o).some(mentionsEmail))
        .map((o) => ({ method: "POST" as const, path: "", body: JSON.stringify({ ...o, orgId }) })),
      fc
        .record({ email: notAString, orgId: fc.constant(orgId) })
        .map((o) => ({ method: "POST" as const, path: "", body: JSON.stringify(o) })),
      fc
        .record({ Email: fc.constant("someone@example.com"), OrgId: fc.constant(orgId), RoleIds: notAList })
        .map((o) => ({ method: "POST" as const, path: "", body: JSON.stringify(o) })),
      fc
        .record({
          type: fc.constantFrom(
            "text/plain",
            "application/xml",
            "multipart/form-data",
            "application/jsonx",
            "application/x-www-form-urlencoded",
          ),
          body: fc.string({ maxLength: 100 }),
        })
        .map(({ type, body }) => ({ method: "POST" as const, path: "", body: body || "{}", headers: { "content-type": type } })),
    );

    const malformedUpdate: fc.Arbitrary<LrCall> = fc.oneof(
      notAnObject.map((value) => ({ method: "PUT" as const, path: `/${pendingId}`, body: JSON.stringify(value) })),
      notAList.map((roleIds) => ({ method: "PUT" as const, path: `/${pendingId}`, body: JSON.stringify({ roleIds }) })),
      fc
        .array(fc.oneof(fc.integer(), fc.constant(""), fc.constant(null), fc.boolean()), { minLength: 1, maxLength: 3 })
        .map((roleIds) => ({ method: "PUT" as const, path: `/${pendingId}`, body: JSON.stringify({ RoleIds: roleIds }) })),
    );

    await fc.assert(
      fc.asyncProperty(fc.oneof(malformedSend, malformedUpdate), async (request) => {
        const answer = await lr.call(request);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expectEnvelope(answer);
        expect([7914, 908]).toContain((answer.body as { ErrorCode: number }).ErrorCode);
      }),
      { numRuns: 150 },
    );
    const listed = await lr.get<{ Data: LrInvitation[] }>(`?orgid=${orgId}`);
    expect(listed.body.Data.map((i) => [i.Id, i.RoleIds])).toEqual([[pendingId, []]]);
  });
});
