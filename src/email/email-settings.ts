import type { SecretBox } from "../core/crypto.js";
import { validationError } from "../core/errors.js";
import type { TenantSettings } from "../settings/settings.js";
import { isLocale } from "../settings/settings-service.js";
import { builtinBaseFor } from "./render.js";
import { parseMailAddress } from "./sender-address.js";
import { checkSmtpUrl, keepStoredPassword, sealSmtpPassword } from "./smtp-url.js";
import { type CompiledTemplate, compileTemplate, TemplateError } from "./template.js";

const PARTS = ["subject", "text", "html"] as const;
const MAX_LENGTH = { subject: 500, text: 50_000, html: 200_000 } as const;
const MAX_LOCALES = 50;

/**
 * Before saving: a new SMTP URL that omits the password keeps the stored one, and a password
 * is sealed with the server key (ADR 0053).
 */
export function prepareEmailSettings(box: SecretBox) {
  return (next: TenantSettings, current: TenantSettings): void => {
    const url = next.email.smtpUrl;
    if (url === null || url === current.email.smtpUrl || checkSmtpUrl(url) !== null) return;
    const kept =
      current.email.smtpUrl && checkSmtpUrl(current.email.smtpUrl) === null ? keepStoredPassword(url, current.email.smtpUrl) : url;
    next.email = { ...next.email, smtpUrl: sealSmtpPassword(kept, box) };
  };
}

/**
 * Refuses, with a 400 naming the field, email settings that could not be used: an SMTP URL
 * without a host, a sender that is not an address, and templates that do not render.
 */
export function validateEmailSettings(settings: TenantSettings): void {
  const { smtpUrl, from } = settings.email;
  if (smtpUrl !== null) {
    const problem = checkSmtpUrl(smtpUrl);
    if (problem) throw validationError("/email/smtpUrl", problem);
  }
  if (from !== null && !parseMailAddress(from)) {
    throw validationError("/email/from", "must be an email address, optionally with a name: Acme <no-reply@acme.example>");
  }
  validateTemplates(settings.templates);
}

function validateTemplates(templates: Record<string, unknown>): void {
  const locales = Object.keys(templates);
  if (locales.length > MAX_LOCALES) throw validationError("/templates", `at most ${MAX_LOCALES} locales`);
  for (const locale of locales) {
    const path = `/templates/${locale}`;
    if (!isLocale(locale) || canonicalLocale(locale) !== locale) {
      throw validationError(path, `must be a language tag written as ${canonicalLocale(locale) ?? "en, de or zh-CN"}`);
    }
    const value = templates[locale];
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw validationError(path, "must be an object with subject, text and/or html");
    }
    const parts = value as Record<string, unknown>;
    for (const key of Object.keys(parts)) {
      if (!(PARTS as readonly string[]).includes(key)) throw validationError(`${path}/${key}`, "unknown field; use subject, text or html");
    }
    const given = PARTS.filter((part) => parts[part] !== undefined);
    if (given.length === 0) throw validationError(path, "must override at least one of subject, text and html");
    for (const part of given) validatePart(`${path}/${part}`, part, parts[part]);
    if (!builtinBaseFor(locale)) {
      const missing = PARTS.filter((part) => parts[part] === undefined);
      if (missing.length > 0) {
        throw validationError(`${path}/${missing[0]}`, `is required: Usher has no built-in ${locale} email to take it from`);
      }
    }
  }
}

function validatePart(path: string, part: (typeof PARTS)[number], value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") throw validationError(path, "must be a non-empty string");
  if (value.length > MAX_LENGTH[part]) throw validationError(path, `must be at most ${MAX_LENGTH[part]} characters`);
  if (part === "subject" && /[\r\n]/.test(value)) throw validationError(path, "must be one line");
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(value);
  } catch (error) {
    if (error instanceof TemplateError) throw validationError(path, error.message);
    throw error;
  }
  if (part !== "subject" && !usesVariable(compiled, "link")) {
    throw validationError(path, "must contain {{link}}, or the invitee cannot accept");
  }
}

function usesVariable(template: CompiledTemplate, name: string): boolean {
  return template.some((node) => {
    if (node.kind === "value") return node.name === name;
    if (node.kind === "section") return usesVariable(node.children, name);
    return false;
  });
}

function canonicalLocale(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}
