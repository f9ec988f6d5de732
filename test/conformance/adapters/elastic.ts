import { expect } from "vitest";
import { answerOf, type DialectAdapter, type Env, type ErrorReader, keyFor, type Lifecycle } from "../dialect.js";

interface OrganizationInvitation {
  token: string;
  email: string;
  expired: boolean;
  accepted_at?: string;
  organization: { id: string; name: string };
}

/** `Authorization: ApiKey <key>` under `/api/v1`. */
async function call(
  env: Env,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: string,
  key: string | null = env.adminKey,
  contentType = "application/json",
) {
  const response = await env.app.inject({
    method,
    url: `/api/v1${path}`,
    headers: { ...(key && { authorization: `ApiKey ${key}` }), ...(body !== undefined && { "content-type": contentType }) },
    ...(body !== undefined && { payload: body }),
  });
  return answerOf(response);
}

/** BasicFailedReply plus the `x-cloud-error-codes` header listing the same codes; the code compared is that list. */
const readElasticError: ErrorReader = (answer) => {
  expect(answer.headers["content-type"], answer.text).toMatch(/^application\/json/);
  const { errors } = answer.body as { errors: Array<{ code: string; message: string }> };
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  const codes = [...new Set(errors.map((e) => e.code))].join(",");
  expect(answer.headers["x-cloud-error-codes"]).toBe(codes);
  return { status: answer.status, code: codes };
};

export const elasticAdapter: DialectAdapter = {
  name: "Elastic",
  skip: {
    resend: "Elastic Cloud has no resend: a create renews only an expired invitation (the refresh rule)",
  },
  expiry: "request",
  expected: {
    created: 201,
    resent: undefined,
    // The list shows open invitations: expired ones included, accepted ones not.
    listed: { accepted: false, expired: true },
    acceptedAccept: { status: 404, code: "organization.invitation_not_found" },
    revokedAccept: { status: 404, code: "organization.invitation_not_found" },
    revokeEnded: { status: 404, code: "organization.invitation_not_found" },
    resendEnded: undefined,
    expiredAccept: { status: 404, code: "organization.invitation_not_found" },
    resendExpired: undefined,
    duplicate: { status: 400, code: "organization.invitation_already_exists" },
    alreadyMember: { status: 400, code: "organization.user_organization_already_belongs" },
    memberAtAccept: { status: 400, code: "organization.user_organization_already_belongs" },
    otherTenantOrganization: { status: 404, code: "organization.not_found" },
    otherTenantList: { status: 404, code: "organization.not_found" },
    otherTenantRevoke: { status: 404, code: "organization.not_found" },
    otherTenantRole: { status: 400, code: "root.invalid_data" },
    otherTenantAccept: { status: 404, code: "organization.invitation_not_found" },
    wrongInvitee: { status: 403, code: "root.invalid_authentication" },
    unknownInvitation: { status: 404, code: "organization.invitation_not_found" },
    noCredentials: { status: 403, code: "root.invalid_authentication" },
    wrongCredentials: { status: 403, code: "root.invalid_authentication" },
    missingScope: { status: 403, code: "root.unauthorized" },
    notJson: { status: 400, code: "root.invalid_data" },
    notObject: { status: 400, code: "root.invalid_data" },
    wrongContentType: { status: 415, code: "root.unsupported_media_type" },
    wrongTypes: { status: 400, code: "root.invalid_data" },
    badEmail: { status: 400, code: "organization.invitation_invalid_email" },
  },
  create: (env, input, auth = "admin") =>
    call(
      env,
      "POST",
      `/organizations/${input.organizationId}/invitations`,
      JSON.stringify({
        emails: [input.email],
        ...(input.lifetimeSeconds !== undefined && { expires_in: `${input.lifetimeSeconds}s` }),
        ...(input.roleIds && {
          role_assignments: { organization: input.roleIds.map((role_id) => ({ role_id, organization_id: input.organizationId })) },
        }),
      }),
      keyFor(env, auth),
    ),
  createRaw: (env, organizationId, payload, contentType) =>
    call(env, "POST", `/organizations/${organizationId}/invitations`, payload, env.adminKey, contentType),
  wrongTypesBody: () => ({ emails: "someone@example.com", expires_in: 3 }),
  refOfCreated: (body) => {
    const [first] = (body as { invitations: OrganizationInvitation[] }).invitations;
    if (!first) throw new Error("no invitation in the answer");
    return first.token;
  },
  refOfNative: (invitation) => new URL(invitation.acceptUrl).searchParams.get("token") ?? "",
  get: (env, ref, auth = "admin") => call(env, "GET", `/organizations/invitations/${ref}`, undefined, keyFor(env, auth)),
  read(body) {
    const invitation = body as OrganizationInvitation;
    expect(invitation).toMatchObject({ token: expect.any(String), expired: expect.any(Boolean), organization: { id: expect.any(String) } });
    const state: Lifecycle = invitation.accepted_at ? "accepted" : invitation.expired ? "expired" : "pending";
    return { email: invitation.email, state };
  },
  async list(env, organizationId, auth = "admin") {
    const answer = await call(env, "GET", `/organizations/${organizationId}/invitations`, undefined, keyFor(env, auth));
    const invitations = (answer.body as { invitations?: OrganizationInvitation[] }).invitations ?? [];
    return { answer, refs: invitations.map((i) => i.token) };
  },
  async inviteeFor(env, email) {
    // Elastic accepts as the user an API key is bound to.
    const user = await env.admin.post<{ id: string }>("/v1/users", { email, name: "Invitee" });
    const key = await env.admin.post<{ key: string }>("/v1/api-keys", { name: `key for ${email}`, userId: user.body.id });
    if (user.status !== 201 || key.status !== 201) throw new Error(`invitee: ${user.text} ${key.text}`);
    return { email, userId: user.body.id, key: key.body.key };
  },
  accept: (env, ref, invitee) => call(env, "POST", `/organizations/invitations/${ref}/_accept`, undefined, invitee.key ?? null),
  acceptError: readElasticError,
  // Elastic has no revoke: an invitation is deleted, by token, under its organization.
  revoke: (env, organizationId, ref) => call(env, "DELETE", `/organizations/${organizationId}/invitations/${ref}`),
  afterRevoke: "gone",
  error: readElasticError,
};
