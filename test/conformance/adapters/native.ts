import { expect } from "vitest";
import { client, tokenOf } from "../../helpers/harness.js";
import { type Auth, type DialectAdapter, type Env, keyFor, type Lifecycle, readProblem } from "../dialect.js";

/** Tokens of the invitations this suite made or saw, by id: an ended invitation no longer shows its link. */
const tokens = new Map<string, string>();

function remember(body: unknown): string {
  const { id, acceptUrl } = body as { id: string; acceptUrl: string | null };
  if (acceptUrl) tokens.set(id, tokenOf(acceptUrl));
  return id;
}

const api = (env: Env, auth: Auth = "admin") => client(env.app, keyFor(env, auth));

export const nativeAdapter: DialectAdapter = {
  name: "native",
  skip: {
    tenantAccept: "the invitee accepts with the emailed token alone, which is the credential and names no tenant",
    wrongInvitee: "the invitee accepts with the emailed token alone: no other user can be named",
  },
  expiry: "request",
  expected: {
    created: 201,
    resent: 200,
    listed: { accepted: true, expired: true },
    acceptedAccept: { status: 409, code: "invitation_not_pending" },
    revokedAccept: { status: 409, code: "invitation_not_pending" },
    revokeEnded: { status: 409, code: "invitation_not_pending" },
    resendEnded: { status: 409, code: "invitation_not_pending" },
    expiredAccept: { status: 410, code: "invitation_expired" },
    resendExpired: { status: 410, code: "invitation_expired" },
    duplicate: { status: 409, code: "duplicate_pending_invitation" },
    alreadyMember: { status: 409, code: "invitee_already_member" },
    memberAtAccept: { status: 409, code: "invitee_already_member" },
    otherTenantOrganization: { status: 404, code: "organization_not_found" },
    // `organizationId` is a filter of the list.
    otherTenantList: "empty",
    otherTenantRevoke: { status: 404, code: "invitation_not_found" },
    otherTenantRole: { status: 404, code: "role_not_found" },
    unknownInvitation: { status: 404, code: "invitation_not_found" },
    noCredentials: { status: 401, code: "unauthorized" },
    wrongCredentials: { status: 401, code: "unauthorized" },
    missingScope: { status: 403, code: "forbidden" },
    notJson: { status: 400, code: "malformed_request" },
    notObject: { status: 400, code: "validation_failed" },
    wrongContentType: { status: 415, code: "unsupported_media_type" },
    wrongTypes: { status: 400, code: "validation_failed" },
    badEmail: { status: 400, code: "validation_failed" },
  },
  create: (env, input, auth) =>
    api(env, auth).post("/v1/invitations", {
      organizationId: input.organizationId,
      email: input.email,
      ...(input.roleIds && { roleIds: input.roleIds }),
      ...(input.lifetimeSeconds !== undefined && { expiresIn: input.lifetimeSeconds }),
    }),
  createRaw: (env, _organizationId, payload, contentType = "application/json") =>
    api(env).post("/v1/invitations", payload, { "content-type": contentType }),
  wrongTypesBody: (organizationId) => ({ organizationId, email: 42, roleIds: "all" }),
  refOfCreated: remember,
  refOfNative: (invitation) => remember(invitation),
  get: (env, ref, auth) => api(env, auth).get(`/v1/invitations/${ref}`),
  read(body) {
    const invitation = body as { id: string; email: string; status: Lifecycle };
    expect(invitation).toMatchObject({
      id: expect.stringMatching(/^inv_/),
      organizationId: expect.any(String),
      roleIds: expect.any(Array),
    });
    return { email: invitation.email, state: invitation.status };
  },
  async list(env, organizationId, auth) {
    const answer = await api(env, auth).get<{ data: Array<{ id: string }> }>(`/v1/invitations?organizationId=${organizationId}`);
    return { answer, refs: (answer.body.data ?? []).map((i) => i.id) };
  },
  resend: (env, ref) => api(env).post(`/v1/invitations/${ref}/resend`),
  checkResent: (body) => expect(body).toMatchObject({ status: "pending", sendCount: 2 }),
  inviteeFor: async (_env, email) => ({ email }),
  accept(env, ref) {
    const token = tokens.get(ref);
    if (!token) throw new Error(`no token known for ${ref}`);
    return api(env, "none").post("/v1/public/invitations/accept", { token });
  },
  acceptError: readProblem,
  revoke: (env, _organizationId, ref) => api(env).post(`/v1/invitations/${ref}/revoke`),
  afterRevoke: "revoked",
  error: readProblem,
};
