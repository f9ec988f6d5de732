import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, databaseKinds, type TestContext } from "../../helpers/harness.js";
import { isBasicFailedReply, seedElastic } from "./helpers.js";

const RUNS = 60;

/** Percent-encodes every UTF-8 byte, so any string (lone surrogates included) fits in a path. */
function pathSegment(text: string): string {
  return [...Buffer.from(text, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
}
/** Raw path segments that are broken as URLs: bad escapes, overlong UTF-8, separators. */
const brokenSegment = fc.constantFrom("%zz", "%", "%C0%AF", "%ED%A0%80", "a,b,,", ",", "%2F", "..", "a/b/c");

/** Strings an attacker or a broken script might send: control characters, odd Unicode, long runs. */
const nastyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "@", "a@b", "a@b.c\u0000", "x".repeat(400), "ロ@例え.jp", "\ud800@example.com", "../../etc"),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** An email list in which at least one item can never be a valid address. */
const emailsWithABadOne = fc
  .tuple(fc.array(fc.oneof(nastyString, fc.emailAddress(), anyJson), { maxLength: 6 }), fc.string({ maxLength: 30 }), fc.nat())
  .map(([items, bad, at]) => {
    const list: unknown[] = [...items];
    list.splice(at % (list.length + 1), 0, bad.replaceAll("@", ""));
    return list;
  });

const malformedBody = fc.oneof(
  anyJson,
  fc.record({ emails: emailsWithABadOne }),
  fc.record(
    {
      emails: fc.oneof(emailsWithABadOne, anyJson),
      expires_in: fc.oneof(nastyString, anyJson),
      role_assignments: fc.oneof(anyJson, fc.record({ organization: fc.array(fc.record({ role_id: nastyString })) })),
      extra: anyJson,
    },
    { requiredKeys: ["emails"] },
  ),
);

describe.each(databaseKinds)("Elastic dialect, malformed input property (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  const expect4xxReply = (answer: { status: number; text: string; headers: Record<string, unknown> }, what: unknown) => {
    expect(answer.status >= 400 && answer.status < 500, `${answer.status} for ${JSON.stringify(what)}: ${answer.text}`).toBe(true);
    expect(isBasicFailedReply(answer as Parameters<typeof isBasicFailedReply>[0]), answer.text).toBe(true);
  };

  it("answers any malformed JSON body to create with a 4xx BasicFailedReply and its header", async () => {
    await fc.assert(
      fc.asyncProperty(malformedBody, async (body) => {
        const res = await seed.api.create(seed.organizationId, body);
        expect4xxReply(res, body);
      }),
      { numRuns: RUNS },
    );
  });

  it("answers any raw body and content type with a 4xx BasicFailedReply", async () => {
    const contentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
        contentType,
        async (raw, type) => {
          const payload = typeof raw === "string" ? raw : Buffer.from(raw);
          const res = await seed.api.call("POST", `/organizations/${seed.organizationId}/invitations`, {
            raw: payload,
            headers: type ? { "content-type": type } : {},
          });
          expect4xxReply(res, raw);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("answers any token or organization id in the path with a 4xx BasicFailedReply", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString.map(pathSegment), brokenSegment),
        fc.constantFrom("get", "remove", "accept", "list", "create"),
        async (segment, operation) => {
          const res =
            operation === "get"
              ? await seed.api.call("GET", `/organizations/invitations/${segment}`)
              : operation === "remove"
                ? await seed.api.call("DELETE", `/organizations/${seed.organizationId}/invitations/${segment}`)
                : operation === "accept"
                  ? await seed.api.call("POST", `/organizations/invitations/${segment}/_accept`)
                  : operation === "list"
                    ? await seed.api.call("GET", `/organizations/${segment}/invitations`)
                    : await seed.api.call("POST", `/organizations/${segment}/invitations`, { json: { emails: ["a@example.com"] } });
          expect4xxReply(res, segment);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
