import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestContext, databaseKinds, type TestContext, tokenOf, uniqueEmail } from "../../helpers/harness.js";
import { DAY_MS, type LogtoInvitation, seedLogtoOrganization } from "./helpers.js";

/** Logto's messagePayload through a real SMTP server: the email carries the app's link and language. */
describe.each(databaseKinds)("Logto invitation emails over SMTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;
  let smtp: SMTPServer;
  const received: ParsedMail[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    ctx = await createTestContext(kind, { config: { smtpUrl: `smtp://127.0.0.1:${port}?tls=off` } });
    api = client(ctx.app, ctx.adminKey);
  });
  afterAll(async () => {
    await ctx?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it("counts the server's SMTP_URL as a sender and sends the app's link with the token, in the payload's locale", async () => {
    const { organizationId } = await seedLogtoOrganization(api, "Mailers");
    const invitee = uniqueEmail("smtp");
    const created = await api.post<LogtoInvitation>("/api/organization-invitations", {
      invitee,
      organizationId,
      expiresAt: Date.now() + DAY_MS,
      messagePayload: { link: "https://app.example.com/welcome", locale: "ja" },
    });
    expect(created.status).toBe(201);
    expect(await ctx.usher.worker.drain()).toBe(1);
    const mail = received.find((m) => m.text?.includes("https://app.example.com/welcome?token="));
    expect(mail?.headers.get("content-language")).toBe("ja");
    const link = /https:\/\/app\.example\.com\/welcome\?token=[A-Za-z0-9_-]+/.exec(mail?.text ?? "")?.[0];
    const preview = await client(ctx.app, null).post<{ invitation: { id: string } }>("/v1/public/invitations/preview", {
      token: tokenOf(link),
    });
    expect(preview.body.invitation.id).toBe(created.body.id);
  });
});
