import { expect } from "vitest";
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
async function call(env: Env, method: "GET" | "POST" | "DELETE", path: string, body?: string, auth: Auth = "admin") {
  const key = keyFor(env, auth);
  const { id, secret } = splitKey(key ?? "");
  const credentials = key
    ? `${path.includes("?") ? "&" : "?"}apikey=${encodeURIComponent(id)}&apisecret=${encodeURIComponent(secret)}`
    : "";
  const response = await env.app.inject({
    method,
    url: `${PREFIX}${path}${credentials}`,
    ...(body !== undefined && { payload: body, headers: { "content-type": "application/json" } }),
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
  skip: {},
  expiry: "tenant-default",
  expected: {
    created: 200,
    resent: 200,
    // The invitee accepts on Usher's own accept page: the native API's answer.
    revokedAccept: { status: 409, code: "invitation_not_pending" },
    expiredAccept: { status: 410, code: "invitation_expired" },
    duplicate: "refresh",
    alreadyMember: { status: 409, code: "8170" },
    otherTenantOrganization: { status: 404, code: "8118" },
    unknownInvitation: { status: 404, code: "8169" },
    noCredentials: { status: 401, code: "6002" },
    wrongCredentials: { status: 401, code: "6002" },
    notJson: { status: 400, code: "7914" },
    wrongTypes: { status: 400, code: "908" },
  },
  create: (env, input, auth) =>
    call(
      env,
      "POST",
      "?invitation_url=https%3A%2F%2Fapp.example.com%2Fwelcome",
      JSON.stringify({ email: input.email, orgId: input.organizationId, ...(input.roleIds && { roleIds: input.roleIds }) }),
      auth,
    ),
  createRaw: (env, _organizationId, payload) => call(env, "POST", "", payload),
  wrongTypesBody: (organizationId) => ({ email: 42, orgId: organizationId }),
  refOfCreated: (body) => (body as { Id: string }).Id,
  refOfNative: (invitation) => invitation.id,
  get: (env, ref) => call(env, "GET", `/${ref}`),
  read(body) {
    const invitation = body as { EmailId: string; Status: string };
    expect(Object.keys(invitation)).toEqual([
      "Id",
      "EmailId",
      "Status",
      "RoleIds",
      "OrgId",
      "CreatedDate",
      "ExpirationDate",
      "ModifiedDate",
      "InviterUid",
    ]);
    const state = STATES[invitation.Status];
    if (!state) throw new Error(`unexpected Status ${invitation.Status}`);
    return { email: invitation.EmailId, state };
  },
  async list(env, organizationId) {
    const answer = await call(env, "GET", `?orgid=${organizationId}`);
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
  revoke: (env, ref) => call(env, "DELETE", `/${ref}`),
  afterRevoke: "revoked",
  error: readLoginRadiusError,
};
