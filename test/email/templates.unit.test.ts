import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchLocale, resolveLocale } from "../../src/email/locale.js";
import { renderInvitationEmail } from "../../src/email/render.js";
import { compileTemplate, escapeHtml, renderTemplate, TemplateError, type TemplateValues } from "../../src/email/template.js";
import { BUILTIN_LOCALES, BUILTIN_MESSAGES, builtinTemplates } from "../../src/email/templates/index.js";

const values: TemplateValues = {
  organization: "Acme",
  inviter: "Ada",
  roles: "Admin and Editor",
  link: "https://usher.example/accept?token=abc&x=1",
  expiry: "March 5, 2030 at 2:30 PM UTC",
  email: "bob@example.com",
  brand: "",
  reminder: false,
};

const data = {
  organizationName: "Acme",
  inviterName: "Ada Lovelace",
  roleNames: ["Admin", "Editor"],
  link: "https://usher.example/accept?token=tok_123",
  expiresAt: Date.UTC(2030, 2, 5, 14, 30),
  brandName: null,
  recipient: "bob@example.com",
  reason: "invitation" as const,
};

describe("template language", () => {
  it("inserts values, keeps sections for non-empty values and inverted ones for empty values", () => {
    const t = compileTemplate("{{#inviter}}{{inviter}} invites you{{/inviter}}{{^brand}} (no brand){{/brand}}{{#reminder}}!{{/reminder}}");
    expect(renderTemplate(t, values, "text")).toBe("Ada invites you (no brand)");
    expect(renderTemplate(t, { ...values, inviter: "", reminder: true, brand: "B" }, "text")).toBe("!");
  });

  it("escapes every value in HTML mode and none in text mode", () => {
    const t = compileTemplate('<b>{{ organization }}</b> <a href="{{link}}">go</a>');
    const hostile = { ...values, organization: `<script>alert("x")</script> & 'co'` };
    expect(renderTemplate(t, hostile, "html")).toBe(
      `<b>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;co&#39;</b> <a href="https://usher.example/accept?token=abc&#38;x=1">go</a>`,
    );
    expect(renderTemplate(t, hostile, "text")).toContain(`<script>alert("x")</script> & 'co'`);
  });

  it.each([
    ["{{organisation}}", /unknown variable "organisation"/],
    ["{{#roles}}as {{roles}}", /\{\{#roles\}\} is never closed/],
    ["{{/roles}}", /closes nothing/],
    ["{{#roles}}{{/inviter}}", /does not close \{\{#roles\}\}/],
    ["Hello {{organization", /unclosed "\{\{"/],
    ["{{{organization}}}", /not supported/],
    ["{{}}", /unknown variable ""/],
  ])("refuses %s", (source, message) => {
    expect(() => compileTemplate(source)).toThrow(TemplateError);
    expect(() => compileTemplate(source)).toThrow(message);
  });

  it("never lets a value break out of HTML, whatever it holds", () => {
    const t = compileTemplate('<p title="{{inviter}}">{{organization}}</p>');
    fc.assert(
      fc.property(fc.string(), fc.string(), (org, inviter) => {
        const html = renderTemplate(t, { ...values, organization: org, inviter }, "html");
        expect(html.match(/</g)).toHaveLength(2);
        expect(html.match(/>/g)).toHaveLength(2);
        expect(html.match(/"/g)).toHaveLength(2);
        expect(html.match(/'/g)).toBeNull();
        expect(escapeHtml(org)).not.toMatch(/[<>"']/);
      }),
    );
  });
});

describe("locale matching", () => {
  it.each([
    ["de", "de"],
    ["DE", "de"],
    ["de-AT", "de"],
    ["de-CH", "de"],
    ["fr-CA", "fr"],
    ["es-419", "es"],
    ["ja-JP", "ja"],
    ["zh", "zh-CN"],
    ["zh-Hans", "zh-CN"],
    ["zh-hans-cn", "zh-CN"],
    ["zh-SG", "zh-CN"],
    ["zh-cn", "zh-CN"],
    ["en-GB", "en"],
  ])("%s → %s", (requested, expected) => {
    expect(matchLocale(requested, BUILTIN_LOCALES)).toBe(expected);
  });

  it.each(["zh-TW", "zh-Hant", "zh-HK", "it", "pt-BR", ""])("%s has no built-in match", (requested) => {
    expect(matchLocale(requested, BUILTIN_LOCALES)).toBeNull();
  });

  it("falls back from the invitation's locale to the tenant default, then to English", () => {
    expect(resolveLocale(["it", "fr", "en"], BUILTIN_LOCALES)).toBe("fr");
    expect(resolveLocale([null, "ja", "en"], BUILTIN_LOCALES)).toBe("ja");
    expect(resolveLocale(["it", "pt", "en"], BUILTIN_LOCALES)).toBe("en");
    expect(resolveLocale(["de-AT", "fr", "en"], BUILTIN_LOCALES)).toBe("de");
  });
});

describe("built-in templates", () => {
  it.each(BUILTIN_LOCALES)("%s compiles, links twice in HTML, once in text, and leaves no tag unrendered", (locale) => {
    const set = builtinTemplates(locale);
    expect(set).not.toBeNull();
    const email = renderInvitationEmail(data, { requested: locale, tenantDefault: "en" });
    expect(email.locale).toBe(locale);
    for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/\{\{|\}\}/);
    expect(email.html.split(data.link).length - 1).toBe(3); // button, fallback href, fallback text
    expect(email.text).toContain(data.link);
    expect(email.html).toContain(`<html lang="${locale}">`);
    expect(email.subject).toContain("Acme");
    expect(email.subject).toContain("Ada Lovelace");
    expect(email.subject).not.toMatch(/\n/);
  });

  it("words every locale differently (nothing left in English by accident)", () => {
    const buttons = new Set(BUILTIN_LOCALES.map((l) => BUILTIN_MESSAGES[l]?.button));
    const intros = new Set(BUILTIN_LOCALES.map((l) => BUILTIN_MESSAGES[l]?.intro));
    expect(buttons.size).toBe(BUILTIN_LOCALES.length);
    expect(intros.size).toBe(BUILTIN_LOCALES.length);
  });

  it("formats expiry and role lists the locale's way", () => {
    const at = (locale: string) => renderInvitationEmail(data, { requested: locale, tenantDefault: "en" });
    expect(at("en").text).toContain("March 5, 2030 at 2:30 PM UTC");
    expect(at("en").text).toContain("as Admin and Editor");
    expect(at("de").text).toContain("5. März 2030, 14:30 Uhr (UTC)");
    expect(at("de").text).toContain("als Admin und Editor");
    expect(at("fr").text).toContain("5 mars 2030 à 14:30 (UTC)");
    expect(at("fr").text).toContain("en tant que Admin et Editor");
    expect(at("es").text).toContain("5 de marzo de 2030 a las 14:30 (UTC)");
    expect(at("es").text).toContain("como Admin y Editor");
    expect(at("ja").text).toContain("2030年3月5日 14:30（UTC）");
    expect(at("ja").text).toContain("Admin、Editorとして");
    expect(at("zh-CN").text).toContain("2030年3月5日 14:30（UTC）");
    expect(at("zh-CN").text).toContain("以Admin和Editor的身份");
  });

  it("says who invited when there is an inviter and stays natural without one", () => {
    const without = renderInvitationEmail({ ...data, inviterName: null, roleNames: [] }, { requested: "en", tenantDefault: "en" });
    expect(without.subject).toBe("You're invited to join Acme");
    expect(without.text).toContain("You've been invited to join Acme.");
    const reminder = renderInvitationEmail({ ...data, reason: "reminder" }, { requested: "de", tenantDefault: "en" });
    expect(reminder.subject).toBe("Erinnerung: Ada Lovelace hat Sie zu Acme eingeladen");
    expect(reminder.text).toContain("Nur zur Erinnerung");
  });

  it("uses a tenant's own locale and templates over the built-in ones", () => {
    const overrides = {
      it: { subject: "Unisciti a {{organization}}", text: "Vai: {{link}}", html: '<p><a href="{{link}}">{{organization}}</a></p>' },
      de: { subject: "Willkommen bei {{organization}}" },
    };
    const italian = renderInvitationEmail(data, { requested: "it-IT", tenantDefault: "en" }, overrides);
    expect(italian).toMatchObject({ locale: "it", subject: "Unisciti a Acme", text: `Vai: ${data.link}` });
    expect(italian.html).toBe(`<p><a href="${data.link}">Acme</a></p>`);
    const german = renderInvitationEmail(data, { requested: "de-AT", tenantDefault: "en" }, overrides);
    expect(german.subject).toBe("Willkommen bei Acme");
    expect(german.text).toContain("Einladung annehmen");
  });
});
