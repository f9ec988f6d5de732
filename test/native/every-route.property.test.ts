import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestContext, databaseKinds, seedOrganization, type TestContext, tokenOf } from "../helpers/harness.js";

interface Route {
  method: string;
  url: string;
}

/** Every route the app serves, read from Fastify's route tree (`printRoutes`, one path a line). */
function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const path: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \((.*)\))?$/.exec(line);
    if (!match) continue;
    path.length = (match[1] ?? "").length / 4;
    path.push(match[2] ?? "");
    for (const method of match[3]?.split(", ") ?? []) if (method !== "HEAD") routes.push({ method, url: path.join("") });
  }
  return routes;
}

const awkward = fc.constantFrom(
  "",
  "%00",
  "%ZZ",
  "%C3%28",
  "..%2F..%2Fetc%2Fpasswd",
  "a".repeat(3000),
  `org_${"x".repeat(40)}`,
  "null",
  "-1",
  "1e309",
  "[]",
  "%F0%9F%98%80",
);
const segment = (known: string[]) => fc.oneof(awkward, fc.constantFrom(...known), fc.string({ maxLength: 24 }).map(encodeURIComponent));
const QUERY_NAMES = [
  "organizationId",
  "organization_id",
  "limit",
  "cursor",
  "status",
  "email",
  "includeTotal",
  "page",
  "page_size",
  "per_page",
  "size",
  "from",
  "q",
  "to",
  "type",
  "invitationId",
  "inviterUserId",
  "show_deleted",
  "limit[]",
];
/** Mostly JSON, so that most requests get past body parsing to the handlers. */
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-16",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ),
  },
);
/** Mostly with the admin key, so that most requests get past authentication. */
const authenticated = fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });

/**
 * Whatever arrives at any route of any dialect (odd path segments, queries, bodies, content
 * types, credentials) is answered without a server error and without internals. The one 5xx a
 * dialect documents is Logto's 501 when no sender is configured (COMPAT.md).
 */
describe.each(databaseKinds)("every route, any request (%s)", (kind) => {
  let ctx: TestContext;
  let routes: Route[];
  let known: string[];

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    routes = routesOf(ctx.app);
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId, roleId } = await seedOrganization(api, "Everywhere");
    const user = await api.post<{ id: string }>("/v1/users", { email: "member@every.example.com" });
    const invitation = await api.post<{ id: string; acceptUrl: string }>("/v1/invitations", {
      organizationId,
      email: "invitee@every.example.com",
    });
    known = [organizationId, roleId, user.body.id, invitation.body.id, tokenOf(invitation.body.acceptUrl), "invitee@every.example.com"];
  });
  afterAll(async () => ctx?.close());

  it("reads the whole route table", () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(routes.length).toBeGreaterThan(60);
    for (const route of [
      "POST /v1/invitations",
      "GET /v1/invitations/:id",
      "POST /v2/manage/invitations",
      "GET /api/organization-invitations",
      "POST /api/v1/organizations/:organization_id/invitations",
    ]) {
      expect(names).toContain(route);
    }
  });

  it("never answers with a server error (property)", async () => {
    const [keyId, keySecret] = ctx.adminKey.split(".") as [string, string];
    const body = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom("{", '{"a":', "\u0000", '{"__proto__":{"admin":true}}', "") },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
      {
        weight: 5,
        arbitrary: fc
          .record(
            {
              organizationId: fc.constantFrom(...known),
              email: fc.oneof(fc.constantFrom(...known), fc.string()),
              emails: fc.array(fc.oneof(fc.emailAddress(), fc.jsonValue()), { maxLength: 4 }),
              roleIds: fc.oneof(fc.array(fc.constantFrom(...known)), fc.jsonValue()),
              userId: fc.constantFrom(...known),
              token: fc.oneof(fc.constantFrom(...known), fc.string()),
              name: fc.jsonValue(),
              expiresIn: fc.oneof(fc.integer(), fc.double()),
              metadata: fc.jsonValue(),
              limits: fc.jsonValue(),
              scopes: fc.jsonValue(),
            },
            { requiredKeys: [] },
          )
          .map((value) => JSON.stringify(value)),
      },
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(routes.length - 1),
        fc.array(segment(known), { minLength: 3, maxLength: 3 }),
        fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), segment(known)), { maxLength: 3 }),
        body,
        contentType,
        authenticated,
        fc.boolean(),
        async (at, segments, query, payload, type, signed, bodiless) => {
          const route = routes[at] as Route;
          let n = 0;
          let url = route.url.replace(/:[A-Za-z_]+|\*/g, () => segments[n++ % segments.length] ?? "");
          if (query.length > 0) url += `?${query.map(([name, value]) => `${name}=${value}`).join("&")}`;
          const headers: Record<string, string> = {};
          if (signed) {
            if (url.startsWith("/v2/")) url += `${url.includes("?") ? "&" : "?"}apikey=${keyId}&apisecret=${keySecret}`;
            headers.authorization = `${url.startsWith("/api/v1/") ? "ApiKey" : "Bearer"} ${ctx.adminKey}`;
          }
          const sent = route.method === "GET" || (route.method === "DELETE" && bodiless) ? undefined : payload;
          if (type && sent !== undefined) headers["content-type"] = type;
          const res = await ctx.app.inject({ method: route.method as "GET", url, headers, payload: sent });
          const documented = res.statusCode === 501 && res.body.includes("connector.not_found");
          if ((res.statusCode >= 500 && !documented) || res.body.includes(keySecret) || /\n\s+at /.test(res.body)) {
            failures.push(
              `${route.method} ${url.slice(0, 160)} [${type}] ${(sent ?? "").slice(0, 80)} -> ${res.statusCode} ${res.body.slice(0, 160)}`,
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
