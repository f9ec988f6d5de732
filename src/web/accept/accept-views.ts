import type { InvitationPreview } from "../../invitations/lifecycle-service.js";
import { type Html, html } from "../html.js";
import { icon, renderPage, type Tone } from "./layout.js";
import type { PageLocale } from "./locale.js";
import { type AcceptMessages, MESSAGES } from "./messages/index.js";

/** What every page needs: its language and the tenant's brand (unknown for an unknown link). */
export interface PageContext {
  locale: PageLocale;
  brandName: string | null;
  now: number;
}

/** The states a link can show; `pending` is the page with the Accept and Decline buttons. */
export type EndedState = "expired" | "revoked" | "declined" | "accepted";

/** How long the success page waits before it follows the invitation's redirect URL. */
export const REDIRECT_SECONDS = 3;

function messages(ctx: PageContext): AcceptMessages {
  return MESSAGES[ctx.locale];
}

function formatDate(ctx: PageContext, ms: number): string {
  return new Intl.DateTimeFormat(ctx.locale, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  }).format(ms);
}

function formatRelative(ctx: PageContext, ms: number): string {
  const seconds = (ms - ctx.now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(ctx.locale, { numeric: "auto" });
  if (Math.abs(seconds) >= 86_400) return rtf.format(Math.round(seconds / 86_400), "day");
  if (Math.abs(seconds) >= 3600) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.max(1, Math.round(seconds / 60)), "minute");
}

function time(ms: number, text: string): Html {
  return html`<time datetime="${new Date(ms).toISOString()}">${text}</time>`;
}

function inviterName(preview: InvitationPreview): string | null {
  return preview.inviter ? (preview.inviter.name ?? preview.inviter.email) : null;
}

/** Only web addresses are followed or linked; anything else (`javascript:`, `data:`) is dropped. */
export function safeRedirect(url: string | null): URL | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed : null;
  } catch {
    return null;
  }
}

function page(ctx: PageContext, title: string, tone: Tone, body: Html, refresh?: { seconds: number; url: string }): string {
  return renderPage({ lang: ctx.locale, title, brandName: ctx.brandName, tone, body, ...(refresh && { refresh }) });
}

function continueLink(m: AcceptMessages, redirect: URL | null): Html {
  return redirect
    ? html`<p class="actions"><a class="button primary" href="${redirect.href}">${m.success.continueTo(redirect.host)}</a></p>`
    : html``;
}

export function renderPending(ctx: PageContext, preview: InvitationPreview, token: string): string {
  const m = messages(ctx);
  const org = preview.organization.name;
  const inviter = preview.inviter;
  const { invitation } = preview;
  const roles = preview.roles.map((r) => r.name);
  const body = html`${icon("info")}
<p class="eyebrow">${m.pending.eyebrow}</p>
<h1>${m.pending.heading(org)}</h1>
<p>${m.pending.lead(org, inviterName(preview))}</p>
<dl>
<dt>${m.pending.email}</dt><dd>${invitation.emailDisplay || invitation.email}</dd>
${inviter ? html`<dt>${m.pending.invitedBy}</dt><dd>${inviter.name ? html`${inviter.name}<span class="sub">${inviter.email}</span>` : inviter.email}</dd>` : ""}
${roles.length > 0 ? html`<dt>${m.pending.roles(roles.length)}</dt><dd>${new Intl.ListFormat(ctx.locale, { type: "conjunction" }).format(roles)}</dd>` : ""}
<dt>${m.pending.expires}</dt><dd>${time(invitation.expiresAt, formatDate(ctx, invitation.expiresAt))}<span class="sub">${formatRelative(ctx, invitation.expiresAt)}</span></dd>
</dl>
<form method="post" action="/accept">
<input type="hidden" name="token" value="${token}">
<div class="actions">
<button class="button primary" type="submit">${m.pending.accept}</button>
<button class="button secondary" type="submit" formaction="/accept/decline">${m.pending.decline}</button>
</div>
</form>
<p class="note">${m.pending.note}</p>`;
  return page(ctx, m.pending.heading(org), "info", body);
}

export function renderSuccess(ctx: PageContext, organizationName: string, redirectUrl: string | null): string {
  const m = messages(ctx);
  const redirect = safeRedirect(redirectUrl);
  const body = html`${icon("ok")}
<h1>${m.success.heading(organizationName)}</h1>
<p>${m.success.body(organizationName)}</p>
${redirect ? html`<p role="status">${m.success.redirecting(redirect.host)}</p>${continueLink(m, redirect)}` : html`<p>${m.success.closePage}</p>`}`;
  return page(
    ctx,
    m.success.heading(organizationName),
    "ok",
    body,
    redirect ? { seconds: REDIRECT_SECONDS, url: redirect.href } : undefined,
  );
}

export function renderDeclinedNow(ctx: PageContext, preview: InvitationPreview): string {
  const m = messages(ctx);
  const body = html`${icon("info")}
<h1>${m.declinedNow.heading}</h1>
<p>${m.declinedNow.body(preview.organization.name)}</p>
<p class="note">${m.askNew(inviterName(preview))}</p>`;
  return page(ctx, m.declinedNow.heading, "info", body);
}

export function renderEnded(ctx: PageContext, state: EndedState, preview: InvitationPreview): string {
  const m = messages(ctx);
  const org = preview.organization.name;
  const i = preview.invitation;
  const when = (ms: number | null) => (ms === null ? "" : formatDate(ctx, ms));
  const text: Record<EndedState, { heading: string; body: string }> = {
    expired: { heading: m.expired.heading, body: m.expired.body(org, when(i.expiresAt)) },
    revoked: { heading: m.revoked.heading, body: m.revoked.body(org) },
    declined: { heading: m.declined.heading, body: m.declined.body(org) },
    accepted: { heading: m.accepted.heading, body: m.accepted.body(org, when(i.acceptedAt)) },
  };
  const { heading, body } = text[state];
  const next =
    state === "accepted" ? continueLink(m, safeRedirect(i.redirectUrl)) : html`<p class="note">${m.askNew(inviterName(preview))}</p>`;
  return page(ctx, heading, "warn", html`${icon("warn")}<h1>${heading}</h1><p>${body}</p>${next}`);
}

export function renderAlreadyMember(ctx: PageContext, preview: InvitationPreview): string {
  const m = messages(ctx);
  const body = html`${icon("info")}<h1>${m.alreadyMember.heading}</h1>
<p>${m.alreadyMember.body(preview.invitation.emailDisplay || preview.invitation.email, preview.organization.name)}</p>
${continueLink(m, safeRedirect(preview.invitation.redirectUrl))}`;
  return page(ctx, m.alreadyMember.heading, "info", body);
}

export function renderMemberLimit(ctx: PageContext, preview: InvitationPreview): string {
  const m = messages(ctx);
  return page(
    ctx,
    m.memberLimit.heading,
    "warn",
    html`${icon("warn")}<h1>${m.memberLimit.heading}</h1><p>${m.memberLimit.body(preview.organization.name)}</p>`,
  );
}

/** Unknown, malformed and missing tokens all get this one page, so it says nothing about existence. */
export function renderUnknown(ctx: PageContext): string {
  const m = messages(ctx);
  return page(
    ctx,
    m.unknown.heading,
    "warn",
    html`${icon("warn")}<h1>${m.unknown.heading}</h1><p>${m.unknown.body}</p><p class="note">${m.askNew(null)}</p>`,
  );
}

export function renderTooMany(ctx: PageContext): string {
  const m = messages(ctx);
  return page(ctx, m.tooMany.heading, "warn", html`${icon("warn")}<h1>${m.tooMany.heading}</h1><p>${m.tooMany.body}</p>`);
}

export function renderError(ctx: PageContext): string {
  const m = messages(ctx);
  return page(ctx, m.error.heading, "warn", html`${icon("warn")}<h1>${m.error.heading}</h1><p>${m.error.body}</p>`);
}
