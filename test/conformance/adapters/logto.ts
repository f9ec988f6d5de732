import { expect } from "vitest";
import { type Auth, answerOf, type DialectAdapter, type Env, type ErrorReader, keyFor, type Lifecycle } from "../dialect.js";

const DAY_MS = 86_400_000;
const STATES: Record<string, Lifecycle> = { Pending: "pending", Accepted: "accepted", Revoked: "revoked", Expired: "expired" };

/** `Authorization: Bearer <api key>`, which Logto's Management API accepts besides access tokens. */
async function call(
  env: Env,
  method: "GET" | "POST" | "PUT",
  url: string,
  body?: string,
  auth: Auth = "admin",
  contentType = "application/json",
) {
  const key = keyFor(env, auth);
  const response = await env.app.inject({
    method,
    url,
    headers: { ...(key && { authorization: `Bearer ${key}` }), ...(body !== undefined && { "content-type": contentType }) },
    ...(body !== undefined && { payload: body }),
  });
  return answerOf(response);
}

/** `{code, message, data?}`. */
const readLogtoError: ErrorReader = (answer) => {
  expect(answer.headers["content-type"], answer.text).toMatch(/^application\/json/);
  const body = answer.body as Record<string, unknown>;
  expect(body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect(Object.keys(body).filter((k) => !["code", "message", "data"].includes(k))).toEqual([]);
  return { status: answer.status, code: String(body.code) };
};

export const logtoAdapter: DialectAdapter = {
  name: "Logto",
  skip: {},
  expiry: "request",
  expected: {
    created: 201,
    resent: 204,
    listed: { accepted: true, expired: true },
    acceptedAccept: { status: 422, code: "request.invalid_input" },
    revokedAccept: { status: 422, code: "request.invalid_input" },
    revokeEnded: { status: 422, code: "request.invalid_input" },
    resendEnded: { status: 422, code: "request.invalid_input" },
    expiredAccept: { status: 422, code: "request.invalid_input" },
    resendExpired: { status: 422, code: "request.invalid_input" },
    duplicate: { status: 422, code: "entity.unique_integrity_violation" },
    alreadyMember: { status: 422, code: "request.invalid_input" },
    memberAtAccept: { status: 422, code: "request.invalid_input" },
    // The organization is a foreign key of the body: Logto answers 422, not 404.
    otherTenantOrganization: { status: 422, code: "entity.relation_foreign_key_not_found" },
    // `organizationId` is a filter of the list.
    otherTenantList: "empty",
    otherTenantRevoke: { status: 404, code: "entity.not_found" },
    otherTenantRole: { status: 422, code: "entity.relation_foreign_key_not_found" },
    otherTenantAccept: { status: 404, code: "entity.not_found" },
    wrongInvitee: { status: 422, code: "request.invalid_input" },
    unknownInvitation: { status: 404, code: "entity.not_found" },
    noCredentials: { status: 401, code: "auth.authorization_header_missing" },
    wrongCredentials: { status: 401, code: "auth.unauthorized" },
    missingScope: { status: 403, code: "auth.forbidden" },
    notJson: { status: 400, code: "guard.invalid_input" },
    notObject: { status: 400, code: "guard.invalid_input" },
    wrongContentType: { status: 400, code: "guard.invalid_input" },
    wrongTypes: { status: 400, code: "guard.invalid_input" },
    badEmail: { status: 400, code: "guard.invalid_input" },
  },
  async prepare(env) {
    // Resending is a message; the capture transport counts as the tenant's sender only when it says so.
    const res = await env.admin.patch("/v1/settings", { email: { captureIsSender: true } });
    if (res.status !== 200) throw new Error(`settings: ${res.text}`);
  },
  create: (env, input, auth) =>
    call(
      env,
      "POST",
      "/api/organization-invitations",
      JSON.stringify({
        invitee: input.email,
        organizationId: input.organizationId,
        expiresAt: env.clock.now() + (input.lifetimeSeconds === undefined ? 7 * DAY_MS : input.lifetimeSeconds * 1000),
        ...(input.roleIds && { organizationRoleIds: input.roleIds }),
        messagePayload: false,
      }),
      auth,
    ),
  createRaw: (env, _organizationId, payload, contentType) =>
    call(env, "POST", "/api/organization-invitations", payload, "admin", contentType),
  wrongTypesBody: (organizationId) => ({ invitee: 42, organizationId, expiresAt: "tomorrow" }),
  refOfCreated: (body) => (body as { id: string }).id,
  refOfNative: (invitation) => invitation.id,
  get: (env, ref, auth) => call(env, "GET", `/api/organization-invitations/${ref}`, undefined, auth),
  read(body) {
    const entity = body as { invitee: string; status: string };
    expect(entity).toMatchObject({ tenantId: expect.any(String), createdAt: expect.any(Number), expiresAt: expect.any(Number) });
    const state = STATES[entity.status];
    if (!state) throw new Error(`unexpected status ${entity.status}`);
    return { email: entity.invitee, state };
  },
  async list(env, organizationId, auth) {
    const answer = await call(env, "GET", `/api/organization-invitations?organizationId=${organizationId}`, undefined, auth);
    return { answer, refs: Array.isArray(answer.body) ? answer.body.map((i: { id: string }) => i.id) : [] };
  },
  resend: (env, ref) => call(env, "POST", `/api/organization-invitations/${ref}/message`, JSON.stringify({})),
  checkResent: (body) => expect(body).toBeUndefined(),
  async inviteeFor(env, email) {
    const user = await call(env, "POST", "/api/users", JSON.stringify({ primaryEmail: email, name: "Invitee" }));
    if (user.status !== 200) throw new Error(`user: ${user.text}`);
    return { email, userId: (user.body as { id: string }).id };
  },
  accept: (env, ref, invitee) =>
    call(env, "PUT", `/api/organization-invitations/${ref}/status`, JSON.stringify({ status: "Accepted", acceptedUserId: invitee.userId })),
  acceptError: readLogtoError,
  revoke: (env, _organizationId, ref) =>
    call(env, "PUT", `/api/organization-invitations/${ref}/status`, JSON.stringify({ status: "Revoked" })),
  afterRevoke: "revoked",
  error: readLogtoError,
};
