import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { createTestContext, databaseKinds, type TestContext, uniqueEmail } from "../../helpers/harness.js";
import { boundUser, expectFailure, seedElastic } from "./helpers.js";

const HOUR_MS = 3_600_000;
type Native = { id: string; status: string; expiresAt: string; delivery: { status: string } | null };

describe.each(databaseKinds)("Elastic dialect, expiry and refresh (%s)", (kind) => {
  let ctx: TestContext;
  let seed: Awaited<ReturnType<typeof seedElastic>>;
  const clock = new ManualClock();

  beforeAll(async () => {
    ctx = await createTestContext(kind, { overrides: { clock } });
    seed = await seedElastic(ctx);
  });
  afterAll(async () => ctx?.close());

  it("shows an expired invitation as expired, refuses to accept it, then renews it on a new create", async () => {
    const invitee = await boundUser(seed.admin, ctx.app);
    const first = await seed.api.create(seed.organizationId, { emails: [invitee.email], expires_in: "1h" });
    expect(first.status, first.text).toBe(201);
    const oldToken = first.body.invitations[0]?.token ?? "";

    clock.advance(2 * HOUR_MS);
    const listed = await seed.api.list(seed.organizationId);
    expect(listed.body.invitations.find((i) => i.token === oldToken)?.expired).toBe(true);
    expect((await seed.api.get(oldToken)).body.expired).toBe(true);
    expectFailure(await invitee.api.accept(oldToken), 404, [{ code: "organization.invitation_not_found" }]);

    const renewed = await seed.api.create(seed.organizationId, { emails: [invitee.email], expires_in: "1d" });
    expect(renewed.status, renewed.text).toBe(201);
    const fresh = renewed.body.invitations[0];
    expect(fresh?.token).not.toBe(oldToken);
    expect(fresh?.expired).toBe(false);
    expect(Date.parse(fresh?.expires_at ?? "")).toBe(clock.now() + 24 * HOUR_MS);

    // The list shows the renewed invitation in place of the expired one.
    const after = await seed.api.list(seed.organizationId);
    expect(after.body.invitations.filter((i) => i.email === invitee.email).map((i) => i.token)).toEqual([fresh?.token]);

    // The renewed invitation has its own email (captured as it was created, ADR 0054); the old
    // one is over.
    const native = await seed.admin.get<{ data: Native[] }>(`/v1/invitations?email=${encodeURIComponent(invitee.email)}`);
    expect(native.body.data.map((i) => [i.status, i.delivery?.status])).toEqual([
      ["pending", "sent"],
      ["expired", "sent"],
    ]);

    expect((await invitee.api.accept(fresh?.token ?? "")).status).toBe(200);
    expectFailure(await invitee.api.accept(oldToken), 404, [{ code: "organization.invitation_not_found" }]);
  });

  it("renews the expired ones and refuses the pending ones in the same request, all or nothing", async () => {
    const [expiring, pending, fresh] = [uniqueEmail("exp"), uniqueEmail("pend"), uniqueEmail("new")];
    expect((await seed.api.create(seed.organizationId, { emails: [expiring], expires_in: "1h" })).status).toBe(201);
    clock.advance(2 * HOUR_MS);
    expect((await seed.api.create(seed.organizationId, { emails: [pending], expires_in: "1d" })).status).toBe(201);
    const refused = await seed.api.create(seed.organizationId, { emails: [fresh, expiring, pending] });
    expectFailure(refused, 400, [{ code: "organization.invitation_already_exists", fields: ["emails[2]"] }]);
    const stillExpired = (await seed.api.list(seed.organizationId)).body.invitations.filter((i) => i.email === expiring);
    expect(stillExpired.map((i) => i.expired)).toEqual([true]);

    const renewed = await seed.api.create(seed.organizationId, { emails: [fresh, expiring] });
    expect(renewed.status, renewed.text).toBe(201);
    expect(renewed.body.invitations.map((i) => [i.email, i.expired])).toEqual([
      [fresh, false],
      [expiring, false],
    ]);
  });

  it("keeps a deleted expired invitation deleted and lets the email be invited again", async () => {
    const email = uniqueEmail("gone");
    const made = await seed.api.create(seed.organizationId, { emails: [email], expires_in: "30m" });
    const token = made.body.invitations[0]?.token ?? "";
    clock.advance(HOUR_MS);
    expect((await seed.api.remove(seed.organizationId, [token])).status).toBe(200);
    expectFailure(await seed.api.get(token), 404, [{ code: "organization.invitation_not_found" }]);
    expect((await seed.api.create(seed.organizationId, { emails: [email] })).status).toBe(201);
  });
});
