import { expect } from "vitest";
import { INVITATION_KEYS } from "../../compat/loginradius/lr-client.js";
import { client } from "../../helpers/harness.js";
import {
  type Auth,
  answerOf,
  type DialectAdapter,
  type Env,
  type ErrorReader,
  keyFor,
  type Lifecycle,
  readProblem,
  splitKey,
  tokenFromMail,
} from "../dialect.js";

const PREFIX = "/v2/manage/invitations";
const STATES: Record<string, Lifecycle> = { invited: "pending", accepted: "accepted", revoked: "revoked", expired: "expired" };

/** `apikey` and `apisecret` in the query string, as the seed's curl example. */
async function call(
  env: Env,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: string,
  auth: Auth = "admin",
  contentType = "application/json",
) {
  const key = keyFor(env, auth);
  const { id, secret } = splitKey(key ?? "");
  const credentials = key
    ? `${path.includes("?") ? "&" : "?"}apikey=${encodeURIComponent(id)}&apisecret=${encodeURIComponent(secret)}`
    : "";
  const response = await env.app.inject({
    method,
    url: `${PREFIX}${path}${credentials}`,
    ...(body !== undefined && { payload: body, headers: { "content-type": contentType } }),
  });
  return answerOf(response);
}

/** `{ErrorCode, Message, Description}` and nothing else; the code compared is the ErrorCode. */
const readLoginRadiusError: ErrorReader = (answer) => {
  expect(answer.headers["content-type"], answer.text).toMatch(/^application\/json/);
  const body = answer.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["Description", "ErrorCode", "Message"]);
  expect(body).toMatchObject({ ErrorCode: expect.any(Number), Message: expect.any(String), Description: expect.any(String) });
  return { status: answer.status, code: String(body.ErrorCode) };
};

export const loginRadiusAdapter: DialectAdapter = {
  name: "LoginRadius",
  skip: {
    tenantAccept: "the invitee accepts with the emailed token alone, which is the credential and names no tenant",
    wrongInvitee: "the invitee accepts with the emailed token alone: no other user can be named",
  },
  expiry: "tenant-default",
  expected: {
    created: 200,
    resent: 200,
    // The invitee accepts on Usher's own accept page: the native API's answer.
    listed: { accepted: true, expired: true },
    acceptedAccept: { status: 409, code: "invitation_not_pending" },
    revokedAccept: { status: 409, code: "invitation_not_pending" },
    // LoginRadius documents no code for these: the HTTP status is the ErrorCode (ADR 0021).
    revokeEnded: { status: 409, code: "409" },
    resendEnded: { status: 409, code: "409" },
    expiredAccept: { status: 410, code: "invitation_expired" },
    resendExpired: { status: 410, code: "410" },
    duplicate: "refresh",
    alreadyMember: { status: 409, code: "8170" },
    memberAtAccept: { status: 409, code: "invitee_already_member" },
    otherTenantOrganization: { status: 404, code: "8118" },
    otherTenantList: { status: 404, code: "8118" },
    otherTenantRevoke: { status: 404, code: "8169" },
    otherTenantRole: { status: 400, code: "908" },
    unknownInvitation: { status: 404, code: "8169" },
    noCredentials: { status: 401, code: "6002" },
    wrongCredentials: { status: 401, code: "6002" },
    missingScope: { status: 403, code: "6002" },
    notJson: { status: 400, code: "7914" },
    notObject: { status: 400, code: "7914" },
    wrongContentType: { status: 400, code: "7914" },
    wrongTypes: { status: 400, code: "908" },
    badEmail: { status: 400, code: "908" },
  },
  create: (env, input, auth) =>
    call(
      env,
      "POST",
      "?invitation_url=https%3A%2F%2Fapp.example.com%2Fwelcome",
      JSON.stringify({ email: input.email, orgId: input.organizationId, ...(input.roleIds && { roleIds: input.roleIds }) }),
      auth,
    ),
  createRaw: (env, _organizationId, payload, contentType) => call(env, "POST", "", payload, "admin", contentType),
  wrongTypesBody: (organizationId) => ({ email: 42, orgId: organizationId }),
  refOfCreated: (body) => (body as { Id: string }).Id,
  refOfNative: (invitation) => invitation.id,
  get: (env, ref, auth) => call(env, "GET", `/${ref}`, undefined, auth),
  read(body) {
    const invitation = body as { EmailId: string; Status: string };
    expect(Object.keys(invitation)).toEqual(INVITATION_KEYS);
    const state = STATES[invitation.Status];
    if (!state) throw new Error(`unexpected Status ${invitation.Status}`);
    return { email: invitation.EmailId, state };
  },
  async list(env, organizationId, auth) {
    const answer = await call(env, "GET", `?orgid=${organizationId}`, undefined, auth);
    const data = (answer.body as { Data?: Array<{ Id: string }> }).Data ?? [];
    return { answer, refs: data.map((i) => i.Id) };
  },
  resend: (env, ref) => call(env, "POST", `/${ref}/resend`),
  checkResent: (body) => expect(body).toEqual({ Resent: true }),
  inviteeFor: async (_env, email) => ({ email }),
  async accept(env, _ref, invitee) {
    // LoginRadius has no accept call: the invitee follows the emailed link to Usher's accept page.
    const token = await tokenFromMail(env, invitee.email);
    return client(env.app, null).post("/v1/public/invitations/accept", { token });
  },
  acceptError: readProblem,
  revoke: (env, _organizationId, ref) => call(env, "DELETE", `/${ref}`),
  afterRevoke: "revoked",
  error: readLoginRadiusError,
};
