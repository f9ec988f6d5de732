import type { TemplateSet } from "./layout.js";
import { expiryParts, formatList, matchLocale, resolveLocale } from "./locale.js";
import { compileCached, escapeHtml, renderTemplate, type TemplateValues } from "./template.js";
import { BUILTIN_LOCALES, BUILTIN_MESSAGES, builtinTemplates } from "./templates/index.js";

export { escapeHtml };

/** The values an invitation email shows. */
export interface InvitationEmailData {
  organizationName: string;
  inviterName: string | null;
  roleNames: string[];
  link: string;
  expiresAt: number;
  brandName: string | null;
  /** The invitee's address, named in the footer. */
  recipient: string;
  reason: "invitation" | "reminder";
}

/** A tenant's replacement for some or all of a locale's templates (`settings.templates`). */
export type TemplateOverride = Partial<TemplateSet>;
export type TemplateOverrides = Record<string, TemplateOverride>;

export interface LocaleChoice {
  /** The invitation's own locale, if it has one. */
  requested: string | null;
  /** The tenant's `settings.locale`. */
  tenantDefault: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** The locale the message is written in (its `Content-Language`). */
  locale: string;
}

/**
 * Picks the locale (invitation, then tenant default, then `en`, among the built-in locales and
 * the tenant's own) and renders subject, text and HTML; HTML values are escaped.
 */
export function renderInvitationEmail(data: InvitationEmailData, choice: LocaleChoice, overrides: TemplateOverrides = {}): RenderedEmail {
  const available = [...BUILTIN_LOCALES, ...Object.keys(overrides)];
  const locale = resolveLocale([choice.requested, choice.tenantDefault, "en"], available);
  const templates = templatesFor(locale, overrides);
  const values = templateValues(data, locale);
  return {
    subject: oneLine(renderTemplate(compileCached(templates.subject), values, "text")),
    text: renderTemplate(compileCached(templates.text), values, "text"),
    html: renderTemplate(compileCached(templates.html), values, "html"),
    locale,
  };
}

/** The built-in templates of the locale (or of its language), with the tenant's parts on top. */
export function templatesFor(locale: string, overrides: TemplateOverrides): TemplateSet {
  const base = builtinBaseFor(locale) ?? builtinTemplates("en");
  if (!base) throw new Error("the English templates are missing");
  const own = overrides[locale] ?? {};
  return { subject: own.subject ?? base.subject, text: own.text ?? base.text, html: own.html ?? base.html };
}

/** The built-in templates a tenant locale falls back to (`de-AT` → `de`); null for none. */
export function builtinBaseFor(locale: string): TemplateSet | null {
  const builtin = matchLocale(locale, BUILTIN_LOCALES);
  return builtin ? builtinTemplates(builtin) : null;
}

export function templateValues(data: InvitationEmailData, locale: string): TemplateValues {
  const builtin = matchLocale(locale, BUILTIN_LOCALES);
  const messages = builtin ? BUILTIN_MESSAGES[builtin] : undefined;
  const expiry = messages ? messages.formatExpiry(data.expiresAt) : genericExpiry(locale, data.expiresAt);
  return {
    organization: data.organizationName,
    inviter: data.inviterName ?? "",
    roles: data.roleNames.length > 0 ? formatList(locale, data.roleNames) : "",
    link: data.link,
    expiry,
    email: data.recipient,
    brand: data.brandName ?? "",
    reminder: data.reason === "reminder",
  };
}

function genericExpiry(locale: string, at: number): string {
  const { date, time } = expiryParts(locale, at);
  return `${date} ${time} UTC`;
}

/**
 * A subject is one header line: control characters (line breaks included) become spaces and
 * runs of spaces shrink to one; typographic spaces such as French no-break spaces stay.
 */
function oneLine(value: string): string {
  return value
    .replace(/\p{Cc}+/gu, " ")
    .replace(/ {2,}/g, " ")
    .trim();
}
