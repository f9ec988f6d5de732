import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { type Answer, type Client, client, seedOrganization, type TestContext, uniqueEmail } from "../../helpers/harness.js";

export type Method = "GET" | "POST" | "DELETE" | "PUT" | "PATCH";

export interface OrganizationInvitation {
  token: string;
  email: string;
  created_at: string;
  expires_at: string;
  expired: boolean;
  accepted_at?: string;
  organization: { id: string; name: string };
  role_assignments?: Record<string, unknown>;
}

export interface FailedReply {
  errors: Array<{ code: string; message: string; fields?: string[] }>;
}

/** An HTTP client speaking the Elastic dialect: `Authorization: ApiKey <key>`. */
export function elasticClient(app: FastifyInstance, key: string | null) {
  const call = async <T>(
    method: Method,
    url: string,
    options: { json?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> => {
    const headers: Record<string, string> = { ...(key ? { authorization: `ApiKey ${key}` } : {}), ...options.headers };
    if (options.json !== undefined) headers["content-type"] ??= "application/json";
    const response = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(options.json !== undefined && { payload: JSON.stringify(options.json) }),
      ...(options.raw !== undefined && { payload: options.raw }),
    });
    let body: unknown = response.body;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.statusCode, body: body as T, headers: response.headers, text: response.body };
  };
  return {
    call,
    create: (organizationId: string, body: unknown) =>
      call<{ invitations: OrganizationInvitation[] }>("POST", `/organizations/${organizationId}/invitations`, { json: body }),
    list: (organizationId: string) =>
      call<{ invitations: OrganizationInvitation[] }>("GET", `/organizations/${organizationId}/invitations`),
    get: (token: string) => call<OrganizationInvitation>("GET", `/organizations/invitations/${token}`),
    remove: (organizationId: string, tokens: string[]) =>
      call<Record<string, never>>("DELETE", `/organizations/${organizationId}/invitations/${tokens.join(",")}`),
    accept: (token: string) => call<Record<string, never>>("POST", `/organizations/invitations/${token}/_accept`),
  };
}

export type ElasticClient = ReturnType<typeof elasticClient>;

/** A user of the tenant, optionally a member of `organizationId`, with an API key bound to it. */
export async function boundUser(admin: Client, app: FastifyInstance, options: { organizationId?: string; email?: string } = {}) {
  const email = options.email ?? uniqueEmail("bound");
  const user = await admin.post<{ id: string }>("/v1/users", { email, name: "Bound User" });
  if (user.status !== 201) throw new Error(`user: ${user.text}`);
  if (options.organizationId) {
    const member = await admin.post(`/v1/organizations/${options.organizationId}/members`, { userId: user.body.id });
    if (member.status !== 201) throw new Error(`member: ${member.text}`);
  }
  const key = await admin.post<{ key: string }>("/v1/api-keys", { name: `key for ${email}`, userId: user.body.id });
  if (key.status !== 201) throw new Error(`key: ${key.text}`);
  return { userId: user.body.id, email, key: key.body.key, api: elasticClient(app, key.body.key) };
}

/** The admin's native client, an organization with a role, and the admin's Elastic client. */
export async function seedElastic(ctx: TestContext, name = "Acme") {
  const admin = client(ctx.app, ctx.adminKey);
  const org = await seedOrganization(admin, name);
  return { admin, ...org, api: elasticClient(ctx.app, ctx.adminKey) };
}

/** Asserts a BasicFailedReply with exactly these codes (and fields), and the header listing them. */
export function expectFailure(answer: Answer<unknown>, status: number, expected: Array<{ code: string; fields?: string[] }>) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  const body = answer.body as FailedReply;
  expect(body.errors.map(({ code, fields }) => ({ code, ...(fields && { fields }) }))).toEqual(expected);
  for (const element of body.errors) expect(element.message).toEqual(expect.any(String));
  expect(answer.headers["x-cloud-error-codes"]).toBe([...new Set(expected.map((e) => e.code))].join(","));
}

/** True when the answer is a well-formed BasicFailedReply whose header lists exactly its codes. */
export function isBasicFailedReply(answer: Answer<unknown>): boolean {
  const body = answer.body as Partial<FailedReply> | undefined;
  if (!body || !Array.isArray(body.errors) || body.errors.length === 0) return false;
  const wellFormed = body.errors.every(
    (e) =>
      typeof e.code === "string" &&
      typeof e.message === "string" &&
      (e.fields === undefined || (Array.isArray(e.fields) && e.fields.every((f) => typeof f === "string"))),
  );
  const codes = [...new Set(body.errors.map((e) => e.code))].join(",");
  return wellFormed && answer.headers["x-cloud-error-codes"] === codes;
}

/** The messages of a BasicFailedReply, in order. */
export function failureMessages(answer: Answer<unknown>): string[] {
  return (answer.body as FailedReply).errors.map((e) => e.message);
}
