import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, seedOrganization, type TestContext } from "../../helpers/harness.js";
import { expectEnvelope, type LoginRadiusClient, LR_DATE, type LrInvitation, loginRadiusClient } from "./lr-client.js";
import { readSeed } from "./seed.js";

const seed = readSeed();

describe.each(databaseKinds)("LoginRadius seed replayed (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let lr: LoginRadiusClient;
  let orgId: string;
  let roleIds: [string, string];
  let inviterUid: string;

  /** The seed's exact request line and body bytes, with the credentials LoginRadius puts in the query. */
  const replay = (body: string, options: { credentials?: boolean } = {}) =>
    ctx.app.inject({
      method: "POST",
      url: options.credentials === false ? seed.pathAndQuery : `${seed.pathAndQuery}&apikey=${lr.apikey}&apisecret=${lr.apisecret}`,
      headers: { "Content-Type": "application/json" },
      payload: body,
    });

  beforeAll(async () => {
    ctx = await createTestContext(kind);
    api = client(ctx.app, ctx.adminKey);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    const org = await seedOrganization(api, "Seed Org");
    orgId = org.organizationId;
    const second = await api.post<{ id: string }>("/v1/roles", { name: "seed-second-role" });
    roleIds = [org.roleId, second.body.id];
    const inviter = await api.post<{ id: string }>("/v1/users", { email: "inviter@example.com", name: "Ines Inviter" });
    inviterUid = inviter.body.id;
  });
  afterAll(async () => ctx?.close());

  it("answers the seed's request, with real ids in the seed's body, with the seed's object", async () => {
    const body = seed.body
      .replace("org_123456789", orgId)
      .replace("role_12345", roleIds[0])
      .replace("role_67890", roleIds[1])
      .replace('"123456789"', JSON.stringify(inviterUid));
    expect(body).not.toMatch(/org_123456789|role_12345|role_67890|"123456789"/);

    const res = await replay(body);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const invitation = res.json<LrInvitation>();
    expect(Object.keys(invitation)).toEqual(Object.keys(seed.answers.success));
    for (const [key, value] of Object.entries(seed.answers.success)) {
      expect(typeof invitation[key as keyof LrInvitation], key).toBe(typeof value);
    }
    expect(invitation).toMatchObject({
      EmailId: "user@example.com",
      Status: "invited",
      RoleIds: roleIds,
      OrgId: orgId,
      InviterUid: inviterUid,
    });
    expect(invitation.Id).toMatch(/^inv_/);
    for (const date of [invitation.CreatedDate, invitation.ExpirationDate, invitation.ModifiedDate]) expect(date).toMatch(LR_DATE);
    expect(Date.parse(invitation.ExpirationDate) - Date.parse(invitation.CreatedDate)).toBe(7 * 86_400_000);

    // invitation_url is where the invitee lands after accepting.
    const native = await api.get<{ redirectUrl: string; inviterUserId: string }>(`/v1/invitations/${invitation.Id}`);
    expect(native.body).toMatchObject({ redirectUrl: "https://example.com/accept-invite", inviterUserId: inviterUid });

    // The email goes out through the outbox, as for native creates.
    await ctx.usher.worker.drain();
    const mail = await api.get<{ data: Array<{ subject: string; text: string }> }>("/v1/mailbox?to=user@example.com");
    expect(mail.body.data).toHaveLength(1);
    expect(mail.body.data[0]?.text).toMatch(/http:\/\/usher\.test\/accept\?token=[A-Za-z0-9_-]{43}/);
  });

  it("answers the seed's literal body (organization org_123456789) with the seed's 8118 answer", async () => {
    const res = await replay(seed.body);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(seed.answers.organizationNotFound);
    expectEnvelope({ status: res.statusCode, body: res.json(), text: res.body, headers: res.headers });
  });

  it("answers the seed's request without credentials with the seed's 6002 answer", async () => {
    const res = await replay(seed.body, { credentials: false });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(seed.answers.unauthorized);
  });

  it("answers a body that is not JSON with the seed's 7914 answer", async () => {
    const res = await replay(seed.body.replace("{", "{{"));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(seed.answers.postBodyInvalid);
  });

  it("answers an invitee who is already a member with the seed's 8170 answer", async () => {
    const user = await api.post<{ id: string }>("/v1/users", { email: "member@example.com" });
    expect((await api.post(`/v1/organizations/${orgId}/members`, { userId: user.body.id })).status).toBe(201);
    const res = await lr.send({ email: "Member@Example.com", orgId });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(seed.answers.alreadyMember);
  });
});

describe.each(databaseKinds)("LoginRadius seed, internal error (%s)", (kind) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext(kind);
  });
  afterAll(async () => ctx?.close());

  it("answers a failure it did not expect (the database is gone) with the seed's 7909 answer", async () => {
    await ctx.usher.database.close();
    const lr = loginRadiusClient(ctx.app, ctx.adminKey);
    const res = await lr.send(readSeed().body);
    expect(res.status).toBe(500);
    expect(res.body).toEqual(seed.answers.internalError);
    expect(res.text).not.toMatch(/sqlite|postgres|destroyed|stack/i);
  });
});
