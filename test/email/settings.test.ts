import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../../src/logging.js";
import { client, createTestContext, databaseKinds, seedOrganization, type TestContext, uniqueEmail } from "../helpers/harness.js";
import { FAST_WORKER, type InvitationBody, waitForDelivery } from "./email-harness.js";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.js";

type Problem = { status: number; code: string; errors?: Array<{ path: string; message: string }> };
type SettingsBody = {
  email: { smtpUrl: string | null; from: string | null; senderConfigured: boolean };
  templates: Record<string, unknown>;
};

const PASSWORD = "pa:ss@w/rd!";

describe.each(databaseKinds)("email settings (%s)", (kind) => {
  let sink: SmtpSink;
  let ctx: TestContext;
  let api: ReturnType<typeof client>;
  let organizationId: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: "mailer", pass: PASSWORD } });
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    ctx = await createTestContext(kind, {
      overrides: { worker: FAST_WORKER, log: pino({ ...loggerOptions("trace") }, logStream) },
      startWorker: true,
    });
    api = client(ctx.app, ctx.adminKey);
    ({ organizationId } = await seedOrganization(api, "Acme"));
  });
  afterAll(async () => {
    await ctx?.close();
    await sink?.close();
  });

  async function inviteAndWait(body: Record<string, unknown> = {}) {
    const email = uniqueEmail("settings");
    const res = await api.post<InvitationBody>("/v1/invitations", { organizationId, email, ...body });
    expect(res.status).toBe(201);
    return { email, invitation: res.body };
  }

  it("uses the tenant's SMTP server and sender, authenticating with a password it never shows", async () => {
    const smtpUrl = `smtp://mailer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${sink.port}`;
    const patched = await api.patch<SettingsBody>("/v1/settings", { email: { smtpUrl, from: "Acme, Inc. <team@acme.example>" } });
    expect(patched.status).toBe(200);
    expect(patched.body.email).toMatchObject({
      smtpUrl: `smtp://mailer@127.0.0.1:${sink.port}`,
      from: "Acme, Inc. <team@acme.example>",
      senderConfigured: true,
    });
    const got = await api.get<SettingsBody>("/v1/settings");
    expect(got.body.email.smtpUrl).toBe(`smtp://mailer@127.0.0.1:${sink.port}`);

    const { email, invitation } = await inviteAndWait();
    await waitForDelivery(api, invitation.id, (d) => d.status === "sent");
    const mail = sink.accepted.find((m) => m.to.includes(email));
    expect(mail?.parsed.from?.value).toEqual([{ name: "Acme, Inc.", address: "team@acme.example" }]);
    expect(sink.authAttempts.at(-1)).toEqual({ user: "mailer", ok: true });

    // Not in the database in clear, not in events, not in logs.
    const row = await ctx.usher.db.selectFrom("tenants").select("settings").where("id", "=", ctx.tenantId).executeTakeFirstOrThrow();
    const events = await ctx.usher.db.selectFrom("events").select("data").execute();
    for (const text of [row.settings, JSON.stringify(events), logLines.join("")]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
    }
    expect(logLines.length).toBeGreaterThan(0);
  });

  it("keeps the stored password when the URL shown by GET is sent back", async () => {
    const shown = (await api.get<SettingsBody>("/v1/settings")).body.email.smtpUrl;
    // A changed option makes a new connection pool, so the server sees a fresh login.
    const edited = `${shown}?maxConnections=2`;
    const saved = await api.patch<SettingsBody>("/v1/settings", { email: { smtpUrl: edited, from: null } });
    expect(saved.body.email.smtpUrl).toBe(edited);
    const before = sink.authAttempts.length;
    const { invitation } = await inviteAndWait();
    await waitForDelivery(api, invitation.id, (d) => d.status === "sent");
    const logins = sink.authAttempts.slice(before);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((a) => a.ok)).toBe(true);
  });

  it("reports a refused login as a retried smtp_auth failure", async () => {
    const wrong = `smtp://mailer:wrong@127.0.0.1:${sink.port}`;
    expect((await api.patch("/v1/settings", { email: { smtpUrl: wrong } })).status).toBe(200);
    const { invitation } = await inviteAndWait();
    const delivery = await waitForDelivery(api, invitation.id, (d) => d.attempts >= 2);
    expect(delivery).toMatchObject({ status: "queued", lastError: "smtp_auth" });
    // Fixing the password lets the queued message through.
    const right = `smtp://mailer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${sink.port}`;
    expect((await api.patch("/v1/settings", { email: { smtpUrl: right } })).status).toBe(200);
    await waitForDelivery(api, invitation.id, (d) => d.status === "sent");
  });

  it("renders the tenant's template overrides and falls back to the built-in parts", async () => {
    const patched = await api.patch<SettingsBody>("/v1/settings", {
      templates: {
        de: { subject: "{{organization}} wartet auf Sie{{#inviter}} ({{inviter}}){{/inviter}}" },
        it: {
          subject: "Unisciti a {{organization}}",
          text: "Ciao! Entra in {{organization}}: {{link}} (scade il {{expiry}})",
          html: '<p>Entra in <b>{{organization}}</b>: <a href="{{link}}">accetta</a></p>',
        },
      },
    });
    expect(patched.status).toBe(200);
    expect(Object.keys(patched.body.templates).sort()).toEqual(["de", "it"]);

    const german = await inviteAndWait({ locale: "de" });
    const italian = await inviteAndWait({ locale: "it-IT" });
    await waitForDelivery(api, german.invitation.id, (d) => d.status === "sent");
    await waitForDelivery(api, italian.invitation.id, (d) => d.status === "sent");
    const de = sink.accepted.find((m) => m.to.includes(german.email));
    expect(de?.parsed.subject).toBe("Acme wartet auf Sie");
    expect(de?.parsed.text).toContain("Einladung annehmen");
    const it = sink.accepted.find((m) => m.to.includes(italian.email));
    expect(it?.parsed.subject).toBe("Unisciti a Acme");
    expect(it?.parsed.text).toContain(`Ciao! Entra in Acme: ${italian.invitation.acceptUrl} (scade il `);
    expect(it?.parsed.html).toContain(`<b>Acme</b>: <a href="${italian.invitation.acceptUrl}">accetta</a>`);
    expect(it?.parsed.headers.get("content-language")).toBe("it");

    const removed = await api.patch<SettingsBody>("/v1/settings", { templates: { de: null } });
    expect(Object.keys(removed.body.templates)).toEqual(["it"]);
    const again = await inviteAndWait({ locale: "de" });
    await waitForDelivery(api, again.invitation.id, (d) => d.status === "sent");
    expect(sink.accepted.find((m) => m.to.includes(again.email))?.parsed.subject).toBe("Ihre Einladung zu Acme");
  });

  it.each([
    [{ email: { smtpUrl: "http://mail.example.com" } }, "/email/smtpUrl"],
    [{ email: { smtpUrl: "smtp://" } }, "/email/smtpUrl"],
    [{ email: { smtpUrl: "smtp://:secret@mail.example.com" } }, "/email/smtpUrl"],
    [{ email: { smtpUrl: "smtp://mail.example.com?tls=maybe" } }, "/email/smtpUrl"],
    [{ email: { from: "not an address" } }, "/email/from"],
    [{ email: { from: "Acme <acme@>" } }, "/email/from"],
    [{ templates: { de: { subject: "Hallo {{nope}}" } } }, "/templates/de/subject"],
    [{ templates: { de: { subject: "Zeile 1\nZeile 2" } } }, "/templates/de/subject"],
    [{ templates: { de: { text: "{{#roles}}Rollen: {{roles}} {{link}}" } } }, "/templates/de/text"],
    [{ templates: { de: { html: "<p>{{organization}}</p>" } } }, "/templates/de/html"],
    [{ templates: { de: { html: "<p>{{{link}}}</p>" } } }, "/templates/de/html"],
    [{ templates: { de: { body: "{{link}}" } } }, "/templates/de/body"],
    [{ templates: { de: {} } }, "/templates/de"],
    [{ templates: { de: "Hallo" } }, "/templates/de"],
    [{ templates: { DE: { subject: "Hallo" } } }, "/templates/DE"],
    [{ templates: { "not a tag": { subject: "x" } } }, "/templates/not a tag"],
    [{ templates: { it: { subject: "Ciao" } } }, "/templates/it/text"],
    [{ templates: { fr: { subject: "" } } }, "/templates/fr/subject"],
  ])("refuses %j with a 400 naming %s", async (patch, path) => {
    const before = await api.get<SettingsBody>("/v1/settings");
    const res = await api.patch<Problem>("/v1/settings", patch);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors?.[0]?.path).toBe(path);
    expect((await api.get<SettingsBody>("/v1/settings")).body).toEqual(before.body);
  });
});
