import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../../helpers/harness.js";
import { expectEnvelope, type LoginRadiusClient, type LrCall, type LrInvitation, loginRadiusClient } from "./lr-client.js";

const POST_BODY_INVALID = { ErrorCode: 7914, Message: "Post body is invalid", Description: "Please use a valid post body in JSON format." };
const ORGANIZATION_NOT_FOUND = {
  ErrorCode: 8118,
  Message: "Organization not found",
  Description: "The entered organization or its configuration does not exist.",
};
const INVITATION_NOT_FOUND = {
  ErrorCode: 8169,
  Message: "Invitation not found",
  Description: "Invitation not found, Please provide valid invitation id.",
};
const ALREADY_MEMBER = {
  ErrorCode: 8170,
  Message: "User already exist in an organization",
  Description: "User already exist in an organization, Please provide correct email id.",
};
const ID_REQUIRED = { ErrorCode: 908, Message: "A parameter is not formatted correctly", Description: "The invitation id is required." };
const invalid = (Description: string) => ({ ErrorCode: 908, Message: "A parameter is not formatted correctly", Description });

interface Row {
  name: string;
  request: () => LrCall;
  status: number;
  body: () => Record<string, unknown>;
}

describe.each(databaseKinds)("LoginRadius error table (%s)", (kind) => {
  const clock = new ManualClock();
  let ctx: TestContext;
  let api: Client;
  let lr: LoginRadiusClient;
  let orgId: string;
  let pendingId: string;
  let foreign: { orgId: string; invitationId: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    orgId = (await seedOrganization(api)).organizationId;
    const member = await api.post<{ id: string }>("/v1/users", { email: "already.member@example.com" });
    await api.post(`/v1/organizations/${orgId}/members`, { userId: member.body.id });
    pendingId = (await lr.send<LrInvitation>({ email: uniqueEmail("pending"), orgId })).body.Id;

    const tenant = await api.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Globex" });
    const other = client(ctx.app, tenant.body.apiKey.key);
    const otherOrg = await other.post<{ id: string }>("/v1/organizations", { name: "Globex Org" });
    const otherInvitation = await other.post<{ id: string }>("/v1/invitations", { organizationId: otherOrg.body.id, email: uniqueEmail() });
    foreign = { orgId: otherOrg.body.id, invitationId: otherInvitation.body.id };
  });
  afterAll(async () => ctx?.close());

  const send = (body: string | object, query = ""): LrCall => ({ method: "POST", path: query, body });
  const rows: Row[] = [
    // 400 / 7914: body missing, not JSON, or not an object.
    { name: "send without a body", request: () => ({ method: "POST", path: "" }), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with an empty JSON body", request: () => send(""), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with broken JSON", request: () => send('{"email": "a@example.com",'), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with a JSON array", request: () => send("[]"), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with a JSON string", request: () => send('"a@example.com"'), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with JSON null", request: () => send("null"), status: 400, body: () => POST_BODY_INVALID },
    { name: "send with a poisoned prototype", request: () => send('{"__proto__": {"x": 1}}'), status: 400, body: () => POST_BODY_INVALID },
    {
      name: "send as text/plain",
      request: () => ({ ...send({ email: "a@example.com", orgId }), headers: { "content-type": "text/plain" } }),
      status: 400,
      body: () => POST_BODY_INVALID,
    },
    {
      name: "send as a form",
      request: () => ({ ...send("email=a%40example.com"), headers: { "content-type": "application/x-www-form-urlencoded" } }),
      status: 400,
      body: () => POST_BODY_INVALID,
    },
    {
      name: "send with a body over the size limit",
      request: () => send({ email: "a@example.com", orgId, padding: "x".repeat(1_100_000) }),
      status: 413,
      body: () => ({ ...POST_BODY_INVALID, Description: "The post body is larger than the server accepts." }),
    },
    {
      name: "update with JSON null (once taken for an empty update)",
      request: () => ({ method: "PUT", path: `/${pendingId}`, body: "null" }),
      status: 400,
      body: () => POST_BODY_INVALID,
    },
    {
      name: "update with a JSON array",
      request: () => ({ method: "PUT", path: `/${pendingId}`, body: "[1]" }),
      status: 400,
      body: () => POST_BODY_INVALID,
    },

    // 400 / 908: one parameter malformed, named in the Description.
    {
      name: "invalid email",
      request: () => send({ email: "not-an-email", orgId }),
      status: 400,
      body: () => invalid("The email parameter is not valid: must be a valid email address."),
    },
    { name: "missing email", request: () => send({ orgId }), status: 400, body: () => invalid("The email parameter is required.") },
    {
      name: "missing orgId",
      request: () => send({ email: "a@example.com" }),
      status: 400,
      body: () => invalid("The orgId parameter is required."),
    },
    {
      name: "email not a string",
      request: () => send({ email: 42, orgId }),
      status: 400,
      body: () => invalid("The email parameter is not valid: must be string."),
    },
    {
      name: "roleIds not a list",
      request: () => send({ email: "a@example.com", orgId, roleIds: "role_x" }),
      status: 400,
      body: () => invalid("The roleIds parameter is not valid: must be array."),
    },
    {
      name: "unknown role id",
      request: () => send({ email: uniqueEmail(), orgId, roleIds: ["role_nope"] }),
      status: 400,
      body: () => invalid("The roleIds parameter is not valid: unknown role role_nope."),
    },
    {
      name: "unknown inviter",
      request: () => send({ email: uniqueEmail(), orgId, inviterUid: "usr_nope" }),
      status: 400,
      body: () => invalid("The inviterUid parameter is not valid: inviter usr_nope does not exist."),
    },
    {
      name: "invitation_url not a URL",
      request: () => send({ email: uniqueEmail(), orgId }, "?invitation_url=not-a-url"),
      status: 400,
      body: () => invalid("The invitation_url parameter is not valid: must be an http or https URL."),
    },
    {
      name: "invitation_url not http",
      request: () => send({ email: uniqueEmail(), orgId }, "?invitation_url=javascript%3Aalert(1)"),
      status: 400,
      body: () => invalid("The invitation_url parameter is not valid: must be an http or https URL."),
    },
    {
      name: "invitation_url given twice",
      request: () =>
        send({ email: uniqueEmail(), orgId }, "?invitation_url=https%3A%2F%2Fa.example&Invitation_Url=https%3A%2F%2Fb.example"),
      status: 400,
      body: () => invalid("The invitation_url parameter is not valid: must be string."),
    },
    {
      name: "email given in two spellings",
      request: () => send({ email: "a@example.com", Email: "b@example.com", orgId }),
      status: 400,
      body: () => invalid("The email parameter is not valid: is given more than once."),
    },
    {
      name: "update with an unknown role",
      request: () => ({ method: "PUT", path: `/${pendingId}`, body: { roleIds: ["role_nope"] } }),
      status: 400,
      body: () => invalid("The roleIds parameter is not valid: unknown role role_nope."),
    },
    {
      name: "update with a bad invitation_url",
      request: () => ({ method: "PUT", path: `/${pendingId}?invitation_url=nope`, body: {} }),
      status: 400,
      body: () => invalid("The invitation_url parameter is not valid: must be an http or https URL."),
    },
    {
      name: "list without orgid",
      request: () => ({ method: "GET", path: "" }),
      status: 400,
      body: () => invalid("The orgid parameter is required."),
    },
    { name: "update without an id", request: () => ({ method: "PUT", path: "/", body: {} }), status: 400, body: () => ID_REQUIRED },
    { name: "revoke without an id", request: () => ({ method: "DELETE", path: "/" }), status: 400, body: () => ID_REQUIRED },
    { name: "resend without an id", request: () => ({ method: "POST", path: "//resend" }), status: 400, body: () => ID_REQUIRED },

    // 404 / 8118: organization unknown, or another tenant's.
    {
      name: "send to an unknown organization",
      request: () => send({ email: uniqueEmail(), orgId: "org_nope" }),
      status: 404,
      body: () => ORGANIZATION_NOT_FOUND,
    },
    {
      name: "send to another tenant's organization",
      request: () => send({ email: uniqueEmail(), orgId: foreign.orgId }),
      status: 404,
      body: () => ORGANIZATION_NOT_FOUND,
    },
    {
      name: "list an unknown organization",
      request: () => ({ method: "GET", path: "?orgid=org_nope" }),
      status: 404,
      body: () => ORGANIZATION_NOT_FOUND,
    },
    {
      name: "list another tenant's organization",
      request: () => ({ method: "GET", path: `?orgid=${foreign.orgId}` }),
      status: 404,
      body: () => ORGANIZATION_NOT_FOUND,
    },

    // 404 / 8169: invitation unknown, or another tenant's.
    {
      name: "get an unknown invitation",
      request: () => ({ method: "GET", path: "/inv_nope" }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },
    {
      name: "update an unknown invitation",
      request: () => ({ method: "PUT", path: "/inv_nope", body: { roleIds: [] } }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },
    {
      name: "revoke an unknown invitation",
      request: () => ({ method: "DELETE", path: "/inv_nope" }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },
    {
      name: "resend an unknown invitation",
      request: () => ({ method: "POST", path: "/inv_nope/resend" }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },
    {
      name: "get another tenant's invitation",
      request: () => ({ method: "GET", path: `/${foreign.invitationId}` }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },
    {
      name: "revoke another tenant's invitation",
      request: () => ({ method: "DELETE", path: `/${foreign.invitationId}` }),
      status: 404,
      body: () => INVITATION_NOT_FOUND,
    },

    // 409 / 8170: the invitee is a member already (emails compare without case).
    {
      name: "invite a member",
      request: () => send({ email: " Already.Member@EXAMPLE.com", orgId }),
      status: 409,
      body: () => ALREADY_MEMBER,
    },

    // Not in LoginRadius's table (ADR 0021): the route is unknown.
    {
      name: "an unknown route under the prefix",
      request: () => ({ method: "GET", path: "/inv_x/roles" }),
      status: 404,
      body: () => ({
        ErrorCode: 404,
        Message: "Not Found",
        Description: "The API endpoint is not correct, please check the method and the path.",
      }),
    },
    {
      name: "an unknown method",
      request: () => ({ method: "PATCH", path: `/${pendingId}`, body: {} }),
      status: 404,
      body: () => ({
        ErrorCode: 404,
        Message: "Not Found",
        Description: "The API endpoint is not correct, please check the method and the path.",
      }),
    },
  ];

  it.each(rows)("$name → $status", async (row) => {
    const answer = await lr.call(row.request());
    expect(answer.status).toBe(row.status);
    expect(answer.body).toEqual(row.body());
    expectEnvelope(answer);
  });

  it("refuses to change, resend or revoke an invitation that is no longer pending (409, ADR 0021)", async () => {
    const id = (await lr.send<LrInvitation>({ email: uniqueEmail("ended"), orgId })).body.Id;
    expect((await lr.delete(`/${id}`)).status).toBe(200);
    const notPending = { ErrorCode: 409, Message: "The invitation is no longer pending", Description: "The invitation is revoked." };
    for (const answer of [await lr.put(`/${id}`, { roleIds: [] }), await lr.resend(id), await lr.delete(`/${id}`)]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual(notPending);
    }
  });

  it("refuses to change or resend an invitation that has expired (410, ADR 0021)", async () => {
    const id = (await lr.send<LrInvitation>({ email: uniqueEmail("expiring"), orgId })).body.Id;
    clock.advance(8 * 86_400_000);
    const expired = { ErrorCode: 410, Message: "The invitation has expired", Description: "The invitation has expired." };
    for (const answer of [await lr.put(`/${id}`, {}), await lr.resend(id), await lr.delete(`/${id}`)]) {
      expect(answer.status).toBe(410);
      expect(answer.body).toEqual(expired);
    }
    expect((await lr.get<LrInvitation>(`/${id}`)).body.Status).toBe("expired");
  });
});
