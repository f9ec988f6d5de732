import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds, seedOrganization, tokenOf, uniqueEmail } from "../helpers/harness.js";
import { createEmailContext, type EmailTestContext, type InvitationBody, outboxRows, waitForDelivery } from "./email-harness.js";
import { type SmtpSink, startSmtpSink, waitUntil } from "./smtp-sink.js";

const EXPECTED: Record<string, { subject: string; text: string[]; button: string }> = {
  en: { subject: "Grace Hopper invited you to join Acme", text: ["has invited you to join Acme as"], button: "Accept invitation" },
  de: {
    subject: "Grace Hopper hat Sie zu Acme eingeladen",
    text: ["hat Sie eingeladen, Acme als", "gültig"],
    button: "Einladung annehmen",
  },
  fr: { subject: "Grace Hopper vous invite à rejoindre Acme", text: ["en tant que", "expire le"], button: "Accepter l’invitation" },
  es: { subject: "Grace Hopper te ha invitado a unirte a Acme", text: ["como", "expira el"], button: "Aceptar invitación" },
  ja: { subject: "Grace HopperさんからAcmeへの招待が届いています", text: ["として招待しました", "有効期限"], button: "招待を承諾する" },
  "zh-CN": { subject: "Grace Hopper邀请您加入Acme", text: ["的身份加入Acme", "过期"], button: "接受邀请" },
};

describe.each(databaseKinds)("invitation email over SMTP (%s)", (kind) => {
  let sink: SmtpSink;
  let ctx: EmailTestContext;
  let org: { organizationId: string; roleId: string };
  let inviterId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createEmailContext(kind, { smtpUrl: sink.url, startWorker: true });
    org = await seedOrganization(ctx.api, "Acme");
    const inviter = await ctx.api.post<{ id: string }>("/v1/users", { email: uniqueEmail("grace"), name: "Grace Hopper" });
    inviterId = inviter.body.id;
  });
  afterAll(async () => {
    await ctx?.close();
    await sink?.close();
  });

  async function invite(body: Record<string, unknown>) {
    const res = await ctx.api.post<InvitationBody>("/v1/invitations", { organizationId: org.organizationId, ...body });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function mailTo(email: string, count = 1) {
    await waitForCount(() => sink.accepted.filter((m) => m.to.includes(email)).length, count);
    return sink.accepted.filter((m) => m.to.includes(email));
  }

  it.each(Object.keys(EXPECTED))("writes the %s email with subject, text and HTML in that language", async (locale) => {
    const email = uniqueEmail(`lang-${locale.toLowerCase()}`);
    const invitation = await invite({ email, roleIds: [org.roleId], inviterUserId: inviterId, locale });
    const [mail] = await mailTo(email);
    const expected = EXPECTED[locale];
    if (!mail || !expected) throw new Error("no mail");
    expect(mail.parsed.subject).toBe(expected.subject);
    for (const phrase of expected.text) expect(mail.parsed.text).toContain(phrase);
    expect(mail.parsed.text).toContain(invitation.acceptUrl);
    expect(mail.parsed.html).toContain(expected.button);
    expect(mail.parsed.html).toContain(`lang="${locale}"`);
    expect(mail.parsed.headers.get("content-language")).toBe(locale);
    expect(mail.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    const delivery = await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "sent");
    expect(delivery).toEqual({ status: "sent", attempts: 1, lastError: null });
  });

  it("picks the locale from the invitation, then the tenant default, then English", async () => {
    const cases: Array<[string | undefined, string, string]> = [
      ["de-AT", "en", "de"],
      ["zh", "en", "zh-CN"],
      ["zh-Hans", "en", "zh-CN"],
      ["it", "fr", "fr"],
      [undefined, "ja", "ja"],
      ["pt-BR", "pt", "en"],
    ];
    for (const [requested, tenantDefault, expected] of cases) {
      expect((await ctx.api.patch("/v1/settings", { locale: tenantDefault })).status).toBe(200);
      const email = uniqueEmail("fallback");
      await invite({ email, ...(requested && { locale: requested }) });
      const [mail] = await mailTo(email);
      expect(mail?.parsed.headers.get("content-language"), `${requested} with tenant ${tenantDefault}`).toBe(expected);
    }
    await ctx.api.patch("/v1/settings", { locale: "en" });
  });

  it("escapes names in the HTML part and keeps them readable in the text part and subject", async () => {
    const hostile = `<script>alert("x")</script> & <b>Co</b>`;
    const { organizationId } = await seedOrganization(ctx.api, hostile);
    const user = await ctx.api.post<{ id: string }>("/v1/users", { email: uniqueEmail("evil"), name: `<img src=x onerror=alert(1)>` });
    const email = uniqueEmail("escape");
    await ctx.api.post("/v1/invitations", { organizationId, email, inviterUserId: user.body.id });
    const [mail] = await mailTo(email);
    const html = String(mail?.parsed.html);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>Co</b>");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;b&#62;Co&#60;/b&#62;");
    expect(mail?.parsed.text).toContain(hostile);
    expect(mail?.parsed.subject).toBe(`<img src=x onerror=alert(1)> invited you to join ${hostile}`);
  });

  it("sends a link whose token accepts the invitation", async () => {
    const email = uniqueEmail("link");
    const invitation = await invite({ email, roleIds: [org.roleId] });
    const [mail] = await mailTo(email);
    const link = /https?:\/\/\S+token=[A-Za-z0-9_-]+/.exec(String(mail?.parsed.text))?.[0];
    expect(link).toBe(invitation.acceptUrl);
    const htmlLink = /href="([^"]+)"/.exec(String(mail?.parsed.html))?.[1];
    expect(htmlLink).toBe(invitation.acceptUrl);
    const accepted = await ctx.api.post<{ invitation: { status: string } }>("/v1/public/invitations/accept", { token: tokenOf(link) });
    expect(accepted.status).toBe(200);
    expect(accepted.body.invitation.status).toBe("accepted");
  });

  it("uses the request's accept page when it gives one", async () => {
    const email = uniqueEmail("own-page");
    await invite({ email, acceptUrl: "https://app.example.com/join?from=mail" });
    const [mail] = await mailTo(email);
    expect(mail?.parsed.text).toMatch(/https:\/\/app\.example\.com\/join\?from=mail&token=[A-Za-z0-9_-]{43}/);
  });

  it("sends a reminder on resend, as a new message with its own stable Message-ID", async () => {
    const email = uniqueEmail("resend");
    const invitation = await invite({ email, locale: "fr" });
    const [first] = await mailTo(email);
    await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "sent");
    const resent = await ctx.api.post<InvitationBody>(`/v1/invitations/${invitation.id}/resend`);
    expect(resent.status).toBe(200);
    const both = await mailTo(email, 2);
    const second = both[1];
    expect(second?.parsed.subject).toBe("Rappel\u00a0: Invitation à rejoindre Acme");
    expect(second?.parsed.text).toContain("Petit rappel");
    expect(second?.messageId).not.toBe(first?.messageId);
    // The sink has the message before the worker's record of it commits: wait for the record.
    const ours = async () => (await outboxRows(ctx)).filter((r) => r.invitation_id === invitation.id);
    await waitUntil(async () => (await ours()).every((r) => r.status === "sent"), 5_000, "both messages recorded as sent");
    const rows = await ours();
    expect(rows.map((r) => r.message_id).sort()).toEqual([first?.messageId, second?.messageId].sort());
    expect(first?.messageId).toMatch(/^<msg_[A-Za-z0-9]+@usher\.test>$/);
    // The link in the reminder still works.
    expect(second?.parsed.text).toContain(resent.body.acceptUrl);
  });

  it("records email_sent events without tokens or links", async () => {
    const email = uniqueEmail("events");
    const invitation = await invite({ email });
    await waitForDelivery(ctx.api, invitation.id, (d) => d.status === "sent");
    const events = await ctx.api.get<{ data: Array<{ type: string; organizationId: string; data: Record<string, unknown> }> }>(
      `/v1/events?invitationId=${invitation.id}&type=invitation.email_sent`,
    );
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0]).toMatchObject({ organizationId: org.organizationId, data: { attempts: 1 } });
    const token = tokenOf(invitation.acceptUrl);
    const all = await ctx.api.get(`/v1/events?invitationId=${invitation.id}`);
    expect(all.text).not.toContain(token);
  });

  it("sends nothing when the invitation is created with sendEmail false", async () => {
    const email = uniqueEmail("silent");
    const invitation = await invite({ email, sendEmail: false });
    expect(invitation.delivery).toBeNull();
    await ctx.usher.worker.drain();
    expect(sink.received.filter((m) => m.to.includes(email))).toHaveLength(0);
  });
});

async function waitForCount(count: () => number, expected: number, timeoutMs = 15_000) {
  const started = Date.now();
  while (count() < expected) {
    if (Date.now() - started > timeoutMs) throw new Error(`expected ${expected} messages, saw ${count()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
