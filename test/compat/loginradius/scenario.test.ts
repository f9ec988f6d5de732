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
import { INVITATION_KEYS, type LoginRadiusClient, LR_DATE, type LrInvitation, loginRadiusClient } from "./lr-client.js";

const MINUTE = 60_000;

describe.each(databaseKinds)("LoginRadius scenario (%s)", (kind) => {
  const clock = new ManualClock(Date.parse("2030-01-01T09:00:00.250Z"));
  let ctx: TestContext;
  let api: Client;
  let lr: LoginRadiusClient;
  let org: { organizationId: string; roleId: string };

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    api = client(ctx.app, ctx.adminKey);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    org = await seedOrganization(api, "Scenario");
  });
  afterAll(async () => ctx?.close());

  /** Delivers the outbox and reads the invitee's captured mail, newest first. */
  async function mailTo(email: string): Promise<string[]> {
    await ctx.usher.worker.drain();
    const mail = await api.get<{ data: Array<{ text: string }> }>(`/v1/mailbox?to=${encodeURIComponent(email)}`);
    return mail.body.data.map((m) => m.text);
  }

  function tokenIn(text: string | undefined): string {
    const token = /[?&]token=([A-Za-z0-9_-]{43})/.exec(text ?? "")?.[1];
    if (!token) throw new Error(`no accept link in: ${text}`);
    return token;
  }

  it("sends, gets, lists, resends, refreshes, updates, and the invitee accepts", async () => {
    const email = uniqueEmail("scenario");
    const other = uniqueEmail("older");
    expect((await lr.send({ email: other, orgId: org.organizationId })).status).toBe(200);
    clock.advance(MINUTE);

    // send: PascalCase fields work as well as the seed's camelCase.
    const sent = await lr.send<LrInvitation>(
      { Email: email.toUpperCase(), OrgId: org.organizationId, RoleIds: [] },
      "?invitation_url=https%3A%2F%2Fapp.example.com%2Fwelcome%3Fteam%3Dblue",
    );
    expect(sent.status).toBe(200);
    expect(Object.keys(sent.body)).toEqual(INVITATION_KEYS);
    expect(sent.body).toMatchObject({
      EmailId: email,
      Status: "invited",
      RoleIds: [],
      OrgId: org.organizationId,
      CreatedDate: "2030-01-01T09:01:00Z",
      ModifiedDate: "2030-01-01T09:01:00Z",
      ExpirationDate: "2030-01-08T09:01:00Z",
      InviterUid: null,
    });
    expect(await mailTo(email)).toHaveLength(1);

    // get and list (newest first).
    const got = await lr.get<LrInvitation>(`/${sent.body.Id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(sent.body);
    const listed = await lr.get<{ Data: LrInvitation[] }>(`?OrgId=${org.organizationId}`);
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.body)).toEqual(["Data"]);
    expect(listed.body.Data.map((i) => i.EmailId)).toEqual([email, other]);
    expect(listed.body.Data[0]).toEqual(sent.body);

    // resend: a new email, the same invitation.
    clock.advance(MINUTE);
    const resent = await lr.resend(sent.body.Id);
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ Resent: true });
    expect(await mailTo(email)).toHaveLength(2);

    // send again while pending: refreshed, same Id, new expiry, another email.
    clock.advance(MINUTE);
    const again = await lr.send<LrInvitation>({ email, orgId: org.organizationId, roleIds: [org.roleId] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      Id: sent.body.Id,
      Status: "invited",
      RoleIds: [org.roleId],
      ExpirationDate: "2030-01-08T09:03:00Z",
    });
    expect(again.body.ExpirationDate).not.toBe(sent.body.ExpirationDate);
    expect(again.body.CreatedDate).toBe(sent.body.CreatedDate);
    expect((await lr.get<{ Data: LrInvitation[] }>(`?orgid=${org.organizationId}`)).body.Data).toHaveLength(2);
    expect(await mailTo(email)).toHaveLength(3);

    // A send that names no roles keeps the invitation's roles.
    const keep = await lr.send<LrInvitation>({ email, orgId: org.organizationId });
    expect(keep.status).toBe(200);
    expect(keep.body).toMatchObject({ Id: sent.body.Id, RoleIds: [org.roleId] });
    const mails = await mailTo(email);
    expect(mails).toHaveLength(4);

    // update: roles and the redirect, while pending.
    const second = await api.post<{ id: string }>("/v1/roles", { name: "scenario-admin" });
    clock.advance(MINUTE);
    const updated = await lr.put<LrInvitation>(`/${sent.body.Id}?invitation_url=https%3A%2F%2Fapp.example.com%2Fdone`, {
      RoleIds: [org.roleId, second.body.id],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ Id: sent.body.Id, RoleIds: [org.roleId, second.body.id], ModifiedDate: "2030-01-01T09:04:00Z" });
    const events = await api.get<{ data: Array<{ type: string }> }>(`/v1/events?invitationId=${sent.body.Id}&type=invitation.updated`);
    expect(events.body.data).toHaveLength(1);

    // The invitee accepts with the link from the latest email.
    const accepted = await api.post<{ redirectUrl: string; membership: { roleIds: string[] } }>("/v1/public/invitations/accept", {
      token: tokenIn(mails[0]),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.redirectUrl).toBe("https://app.example.com/done");
    expect(accepted.body.membership.roleIds.sort()).toEqual([org.roleId, second.body.id].sort());
    const final = await lr.get<LrInvitation>(`/${sent.body.Id}`);
    expect(final.body.Status).toBe("accepted");
    expect(final.body.ModifiedDate).toMatch(LR_DATE);

    // Sending to the new member now answers 8170.
    const member = await lr.send({ email, orgId: org.organizationId });
    expect(member.status).toBe(409);
    expect(member.body).toMatchObject({ ErrorCode: 8170 });
  });

  it("revokes: the answer is the revoked invitation and its link stops working", async () => {
    const email = uniqueEmail("revoked");
    const sent = await lr.send<LrInvitation>({ email, orgId: org.organizationId }, "?invitation_url=");
    const token = tokenIn((await mailTo(email))[0]);
    clock.advance(MINUTE);
    const revoked = await lr.delete<LrInvitation>(`/${sent.body.Id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ...sent.body, Status: "revoked", ModifiedDate: revoked.body.ModifiedDate });
    expect(revoked.body.ModifiedDate).not.toBe(sent.body.ModifiedDate);
    const accept = await api.post("/v1/public/invitations/accept", { token });
    expect(accept.status).toBe(409);
    expect((await lr.get<LrInvitation>(`/${sent.body.Id}`)).body.Status).toBe("revoked");
    // A revoked invitation never blocks a new one: a new Id.
    const fresh = await lr.send<LrInvitation>({ email, orgId: org.organizationId });
    expect(fresh.status).toBe(200);
    expect(fresh.body.Id).not.toBe(sent.body.Id);
  });

  it("accepts LoginRadius field names in any case and ignores fields it does not know", async () => {
    const email = uniqueEmail("fields");
    const sent = await lr.send<LrInvitation>({ EMAIL: email, orgid: org.organizationId, ROLEIDS: [org.roleId], Metadata: { plan: "pro" } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ EmailId: email, OrgId: org.organizationId, RoleIds: [org.roleId] });
    const native = await api.get<{ metadata: unknown }>(`/v1/invitations/${sent.body.Id}`);
    expect(native.body.metadata).toBeNull();
  });

  it("shows a declined invitation as declined and the inviter as an Usher user id", async () => {
    const inviter = await api.post<{ id: string }>("/v1/users", { email: uniqueEmail("inviter") });
    const email = uniqueEmail("declines");
    const sent = await lr.send<LrInvitation>({ email, orgId: org.organizationId, InviterUid: inviter.body.id });
    expect(sent.body.InviterUid).toBe(inviter.body.id);
    const declined = await api.post("/v1/public/invitations/decline", { token: tokenIn((await mailTo(email))[0]) });
    expect(declined.status).toBe(200);
    expect((await lr.get<LrInvitation>(`/${sent.body.Id}`)).body).toMatchObject({ Status: "declined", InviterUid: inviter.body.id });
  });
});
