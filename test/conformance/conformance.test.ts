import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, databaseKinds, seedOrganization, uniqueEmail } from "../helpers/harness.js";
import { elasticAdapter } from "./adapters/elastic.js";
import { loginRadiusAdapter } from "./adapters/loginradius.js";
import { logtoAdapter } from "./adapters/logto.js";
import { nativeAdapter } from "./adapters/native.js";
import { CASES, type CaseName, type CreateInput, type DialectAdapter, type Env, type ErrorReader, type Failure } from "./dialect.js";
import { closeEnvs, envFor } from "./env.js";

/**
 * One scenario suite, every dialect (COMPAT.md, "Conformance"): the same cases through plain
 * HTTP, each dialect answering with its own statuses, codes and envelopes.
 */
const adapters: DialectAdapter[] = [nativeAdapter, loginRadiusAdapter, logtoAdapter, elasticAdapter];

afterAll(closeEnvs);

const SHORT_LIFETIME_SECONDS = 60;
const DEFAULT_LIFETIME_SECONDS = 7 * 86_400;

/** An expectation the case needs; the adapter's `skip` names the cases that have none. */
function need(expected: Failure | undefined): Failure {
  if (!expected) throw new Error("the adapter gives no expectation for this case and does not skip it");
  return expected;
}

function expectFailure(read: ErrorReader, answer: Answer<unknown>, expected: Failure): void {
  expect(answer.status, answer.text).toBe(expected.status);
  expect(read(answer)).toEqual(expected);
}

describe.each(adapters)("conformance: $name", (adapter) => {
  /** A case, or its skip with the reason in the test's name. */
  const scenario = (name: CaseName, run: () => Promise<void>) => {
    const reason = adapter.skip[name];
    if (reason === undefined) it(CASES[name], run);
    else it.skip(`${CASES[name]} — skipped: ${reason}`, run);
  };

  describe.each(databaseKinds)("on %s", (kind) => {
    let env: Env;
    let org: { organizationId: string; roleId: string };

    beforeAll(async () => {
      env = await envFor(kind);
      await adapter.prepare?.(env);
      org = await seedOrganization(env.admin, `${adapter.name} organization`);
    });

    /** Creates through the dialect; the outbox is delivered at once, as a running worker would. */
    async function create(input: Omit<CreateInput, "organizationId"> & { organizationId?: string }) {
      const answer = await adapter.create(env, { organizationId: org.organizationId, ...input });
      await env.ctx.usher.worker.drain();
      return answer;
    }

    async function createPending(email: string, input: Partial<CreateInput> = {}): Promise<string> {
      const created = await create({ email, ...input });
      expect(created.status, created.text).toBe(adapter.expected.created);
      return adapter.refOfCreated(created.body);
    }

    async function memberIds(): Promise<string[]> {
      const members = await env.admin.get<{ data: Array<{ userId: string }> }>(`/v1/organizations/${org.organizationId}/members`);
      expect(members.status).toBe(200);
      return members.body.data.map((m) => m.userId);
    }

    async function userIdOf(email: string): Promise<string | undefined> {
      const users = await env.admin.get<{ data: Array<{ id: string }> }>(`/v1/users?email=${encodeURIComponent(email)}`);
      return users.body.data[0]?.id;
    }

    async function expectState(ref: string, email: string, state: string) {
      const got = await adapter.get(env, ref);
      expect(got.status, got.text).toBe(200);
      expect(adapter.read(got.body)).toEqual({ email, state });
    }

    async function expectNoMembership(email: string) {
      const userId = await userIdOf(email);
      if (userId) expect(await memberIds()).not.toContain(userId);
    }

    scenario("lifecycle", async () => {
      const email = uniqueEmail("lifecycle");
      const invitee = await adapter.inviteeFor(env, email);
      const ref = await createPending(email, { roleIds: [org.roleId] });
      await expectState(ref, email, "pending");

      const listed = await adapter.list(env, org.organizationId);
      expect(listed.answer.status, listed.answer.text).toBe(200);
      expect(listed.refs).toContain(ref);

      if (adapter.resend && adapter.skip.resend === undefined) {
        const resent = await adapter.resend(env, ref);
        await env.ctx.usher.worker.drain();
        expect(resent.status, resent.text).toBe(adapter.expected.resent);
        adapter.checkResent?.(resent.body);
        await expectState(ref, email, "pending");
      }

      const accepted = await adapter.accept(env, ref, invitee);
      expect(accepted.status, accepted.text).toBe(200);
      const userId = invitee.userId ?? (await userIdOf(email));
      const members = await env.admin.get<{ data: Array<{ userId: string; roleIds: string[] }> }>(
        `/v1/organizations/${org.organizationId}/members`,
      );
      expect(members.body.data.find((m) => m.userId === userId)).toMatchObject({ roleIds: [org.roleId] });
      await expectState(ref, email, "accepted");
      expectFailure(adapter.acceptError, await adapter.accept(env, ref, invitee), adapter.expected.acceptedAccept);
      expect((await adapter.list(env, org.organizationId)).refs.includes(ref)).toBe(adapter.expected.listed.accepted);
    });

    if (adapter.skip.resend !== undefined) scenario("resend", async () => undefined);

    scenario("revoke", async () => {
      const email = uniqueEmail("revoke");
      const invitee = await adapter.inviteeFor(env, email);
      const ref = await createPending(email);
      const revoked = await adapter.revoke(env, org.organizationId, ref);
      expect(revoked.status, revoked.text).toBe(200);
      if (adapter.afterRevoke === "revoked") await expectState(ref, email, "revoked");
      else expectFailure(adapter.error, await adapter.get(env, ref), adapter.expected.unknownInvitation);

      expectFailure(adapter.acceptError, await adapter.accept(env, ref, invitee), adapter.expected.revokedAccept);
      await expectNoMembership(email);
      expectFailure(adapter.error, await adapter.revoke(env, org.organizationId, ref), adapter.expected.revokeEnded);
      const resendEnded = adapter.expected.resendEnded;
      if (adapter.resend && resendEnded) expectFailure(adapter.error, await adapter.resend(env, ref), resendEnded);
    });

    scenario("expired", async () => {
      const email = uniqueEmail("expired");
      const invitee = await adapter.inviteeFor(env, email);
      let ref: string;
      if (adapter.expiry === "request") {
        ref = await createPending(email, { lifetimeSeconds: SHORT_LIFETIME_SECONDS });
      } else {
        // The dialect has no lifetime field: the tenant's default lifetime decides.
        await setDefaultLifetime(SHORT_LIFETIME_SECONDS);
        try {
          ref = await createPending(email);
        } finally {
          await setDefaultLifetime(DEFAULT_LIFETIME_SECONDS);
        }
      }
      await expectState(ref, email, "pending");
      env.clock.advance((SHORT_LIFETIME_SECONDS + 1) * 1000);
      await expectState(ref, email, "expired");

      expect((await adapter.list(env, org.organizationId)).refs.includes(ref)).toBe(adapter.expected.listed.expired);

      expectFailure(adapter.acceptError, await adapter.accept(env, ref, invitee), adapter.expected.expiredAccept);
      await expectNoMembership(email);
      const resendExpired = adapter.expected.resendExpired;
      if (adapter.resend && resendExpired) expectFailure(adapter.error, await adapter.resend(env, ref), resendExpired);

      // An expired invitation never blocks a new one.
      const renewed = await createPending(email);
      expect(renewed).not.toBe(ref);
      await expectState(renewed, email, "pending");
    });

    async function setDefaultLifetime(defaultSeconds: number) {
      const res = await env.admin.patch("/v1/settings", { invitationLifetime: { defaultSeconds } });
      expect(res.status, res.text).toBe(200);
    }

    scenario("duplicate", async () => {
      const email = uniqueEmail("duplicate");
      const ref = await createPending(email);
      const again = await create({ email: email.toUpperCase() });
      const expected = adapter.expected.duplicate;
      if (expected === "refresh") {
        expect(again.status, again.text).toBe(adapter.expected.created);
        expect(adapter.refOfCreated(again.body)).toBe(ref);
        const mail = await env.admin.get<{ data: unknown[] }>(`/v1/mailbox?to=${encodeURIComponent(email)}`);
        expect(mail.body.data).toHaveLength(2);
      } else {
        expectFailure(adapter.error, again, expected);
      }
      const listed = await adapter.list(env, org.organizationId);
      expect(listed.refs.filter((r) => r === ref)).toHaveLength(1);
      const pending = await env.admin.get<{ data: unknown[] }>(`/v1/invitations?email=${encodeURIComponent(email)}&status=pending`);
      expect(pending.body.data).toHaveLength(1);
    });

    scenario("member", async () => {
      const email = uniqueEmail("member");
      const user = await env.admin.post<{ id: string }>("/v1/users", { email });
      const member = await env.admin.post(`/v1/organizations/${org.organizationId}/members`, { userId: user.body.id });
      expect(member.status, member.text).toBe(201);
      expectFailure(adapter.error, await create({ email: email.toUpperCase() }), adapter.expected.alreadyMember);
      await expectNoInvitation(email);

      // Membership is checked again at acceptance.
      const later = uniqueEmail("member-later");
      const invitee = await adapter.inviteeFor(env, later);
      const ref = await createPending(later);
      const userId = invitee.userId ?? (await env.admin.post<{ id: string }>("/v1/users", { email: later })).body.id;
      expect((await env.admin.post(`/v1/organizations/${org.organizationId}/members`, { userId })).status).toBe(201);
      expectFailure(adapter.acceptError, await adapter.accept(env, ref, invitee), adapter.expected.memberAtAccept);
      await expectState(ref, later, "pending");
    });

    async function expectNoInvitation(email: string) {
      const found = await env.admin.get<{ data: unknown[] }>(`/v1/invitations?email=${encodeURIComponent(email)}`);
      expect(found.body.data).toEqual([]);
    }

    scenario("tenant", async () => {
      const email = uniqueEmail("tenant");
      const created = await create({ email, organizationId: env.other.organizationId });
      expectFailure(adapter.error, created, adapter.expected.otherTenantOrganization);
      await expectNoInvitation(email);
      const withRole = await create({ email, roleIds: [env.other.roleId] });
      expectFailure(adapter.error, withRole, adapter.expected.otherTenantRole);
      await expectNoInvitation(email);
      const otherRef = adapter.refOfNative(env.other.invitation);
      expectFailure(adapter.error, await adapter.get(env, otherRef), adapter.expected.unknownInvitation);
      const listed = await adapter.list(env, env.other.organizationId);
      const expectedList = adapter.expected.otherTenantList;
      if (expectedList === "empty") {
        expect(listed.answer.status, listed.answer.text).toBe(200);
        expect(listed.refs).toEqual([]);
      } else {
        expectFailure(adapter.error, listed.answer, expectedList);
      }
      const revoked = await adapter.revoke(env, env.other.organizationId, otherRef);
      expectFailure(adapter.error, revoked, adapter.expected.otherTenantRevoke);
      await expectOtherStillPending();
    });

    async function expectOtherStillPending() {
      const other = await env.other.admin.get<{ status: string }>(`/v1/invitations/${env.other.invitation.id}`);
      expect(other.body.status).toBe("pending");
    }

    scenario("tenantAccept", async () => {
      const invitee = await adapter.inviteeFor(env, uniqueEmail("tenant-accept"));
      const accepted = await adapter.accept(env, adapter.refOfNative(env.other.invitation), invitee);
      expectFailure(adapter.acceptError, accepted, need(adapter.expected.otherTenantAccept));
      await expectOtherStillPending();
    });

    scenario("wrongInvitee", async () => {
      const email = uniqueEmail("invitee");
      const ref = await createPending(email);
      const someoneElse = await adapter.inviteeFor(env, uniqueEmail("someone-else"));
      expectFailure(adapter.acceptError, await adapter.accept(env, ref, someoneElse), need(adapter.expected.wrongInvitee));
      await expectState(ref, email, "pending");
      await expectNoMembership(someoneElse.email);
    });

    scenario("credentials", async () => {
      const email = uniqueEmail("credentials");
      const input = { organizationId: org.organizationId, email };
      expectFailure(adapter.error, await adapter.create(env, input, "none"), adapter.expected.noCredentials);
      expectFailure(adapter.error, await adapter.create(env, input, "wrong"), adapter.expected.wrongCredentials);
      expectFailure(adapter.error, await adapter.create(env, input, "readOnly"), adapter.expected.missingScope);
      await expectNoInvitation(email);
      const ref = await createPending(email);
      expectFailure(adapter.error, await adapter.get(env, ref, "none"), adapter.expected.noCredentials);
      expectFailure(adapter.error, await adapter.get(env, ref, "wrong"), adapter.expected.wrongCredentials);
      expectFailure(adapter.error, (await adapter.list(env, org.organizationId, "none")).answer, adapter.expected.noCredentials);
      expectFailure(adapter.error, (await adapter.list(env, org.organizationId, "wrong")).answer, adapter.expected.wrongCredentials);
    });

    scenario("malformed", async () => {
      const notJson = await adapter.createRaw(env, org.organizationId, '{"email": "a@example.com", ');
      expectFailure(adapter.error, notJson, adapter.expected.notJson);
      const wrongTypes = await adapter.createRaw(env, org.organizationId, JSON.stringify(adapter.wrongTypesBody(org.organizationId)));
      expectFailure(adapter.error, wrongTypes, adapter.expected.wrongTypes);
      expectFailure(adapter.error, await adapter.createRaw(env, org.organizationId, "[1]"), adapter.expected.notObject);
      expectFailure(adapter.error, await create({ email: "not-an-email" }), adapter.expected.badEmail);
      const plain = await adapter.createRaw(env, org.organizationId, "someone@example.com", "text/plain");
      expectFailure(adapter.error, plain, adapter.expected.wrongContentType);
    });
  });
});
