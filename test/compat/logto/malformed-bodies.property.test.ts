import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestContext, databaseKinds, type TestContext } from "../../helpers/harness.js";
import { DAY_MS, type LogtoInvitation, seedLogtoOrganization } from "./helpers.js";

type Method = "POST" | "PUT";

const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.object(),
);
const notNumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.object());
const notArray = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.object());
const notObject = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
);
/** Text that JSON.parse refuses. */
const notJson = fc.string({ maxLength: 200 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});

/** A valid body with one field replaced by a value of the wrong type, plus unknown extra keys. */
function breakOneField(valid: Record<string, unknown>, wrong: Record<string, fc.Arbitrary<unknown>>) {
  return fc
    .tuple(fc.constantFrom(...Object.keys(wrong)), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })))
    .chain(([field, extra]) => (wrong[field] ?? notString).map((value) => ({ ...extra, ...valid, [field]: value })));
}

describe.each(databaseKinds)("Logto: malformed bodies get a 4xx in Logto's envelope (%s)", (kind) => {
  let ctx: TestContext;
  let invitationId: string;
  let organizationId: string;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    const api = client(ctx.app, ctx.adminKey);
    organizationId = (await seedLogtoOrganization(api)).organizationId;
    const created = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee: "prop@example.com",
      organizationId,
      expiresAt: Date.now() + DAY_MS,
    });
    invitationId = created.body.id;
  });
  afterAll(async () => ctx?.close());

  const send = async (method: Method, url: string, payload: string) => {
    const res = await ctx.app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${ctx.adminKey}`, "content-type": "application/json" },
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  const expectEnvelope = (res: { status: number; body: Record<string, unknown> }) => {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.code).toBe("string");
    expect(typeof res.body.message).toBe("string");
    expect(Object.keys(res.body).every((k) => ["code", "message", "data"].includes(k))).toBe(true);
  };

  const routes = (): Array<[string, Method, string, fc.Arbitrary<unknown>]> => [
    [
      "create invitation",
      "POST",
      "/api/organization-invitations",
      breakOneField(
        { invitee: "a@example.com", organizationId, expiresAt: Date.now() + DAY_MS },
        {
          invitee: notString,
          organizationId: notString,
          expiresAt: notNumber,
          organizationRoleIds: notArray,
          inviterId: fc.oneof(fc.integer(), fc.boolean(), fc.object()),
          messagePayload: fc.oneof(fc.constant(true), fc.string(), fc.integer(), fc.constant(null)),
        },
      ),
    ],
    [
      "set status",
      "PUT",
      `/api/organization-invitations/${invitationId}/status`,
      breakOneField(
        { status: "Revoked" },
        {
          status: fc.oneof(
            notString,
            fc.string().filter((s) => s !== "Revoked" && s !== "Accepted"),
          ),
        },
      ),
    ],
    [
      "resend",
      "POST",
      `/api/organization-invitations/${invitationId}/message`,
      breakOneField({}, { link: notString, locale: notString, code: notString }),
    ],
    [
      "create organization",
      "POST",
      "/api/organizations",
      breakOneField({ name: "Org" }, { name: notString, description: fc.oneof(fc.integer(), fc.boolean(), fc.object()) }),
    ],
    ["create role", "POST", "/api/organization-roles", breakOneField({ name: "r" }, { name: notString, organizationScopeIds: notArray })],
    [
      "create user",
      "POST",
      "/api/users",
      breakOneField({ primaryEmail: "u@example.com" }, { primaryEmail: notString, name: fc.oneof(fc.integer(), fc.object()) }),
    ],
    [
      "add organization users",
      "POST",
      `/api/organizations/${organizationId}/users`,
      breakOneField({ userIds: ["usr_x"] }, { userIds: notArray }),
    ],
  ];

  it("answers bodies that are not JSON objects, or objects with a wrongly typed field, with 4xx {code, message}", async () => {
    for (const [, method, url, broken] of routes()) {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            notJson.map((text) => ({ raw: text })),
            notObject.map((value) => ({ raw: JSON.stringify(value) })),
            broken.map((value) => ({ raw: JSON.stringify(value) })),
          ),
          async ({ raw }) => expectEnvelope(await send(method, url, raw)),
        ),
        { numRuns: 40 },
      );
    }
  });
});
