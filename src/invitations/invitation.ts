import type { SecretBox } from "../core/crypto.js";
import type { DeliveryStatus, InvitationRow, InvitationStatus } from "../db/schema.js";

export interface Delivery {
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
}

/** An invitation as the services hand it to every dialect; times are epoch milliseconds. */
export interface Invitation {
  id: string;
  tenantId: string;
  organizationId: string;
  email: string;
  emailDisplay: string;
  inviterUserId: string | null;
  roleIds: string[];
  /** The effective status: a pending invitation past its expiry reads as `expired`. */
  status: InvitationStatus;
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  acceptedAt: number | null;
  acceptedUserId: string | null;
  revokedAt: number | null;
  declinedAt: number | null;
  redirectUrl: string | null;
  locale: string | null;
  metadata: Record<string, unknown> | null;
  extras: Record<string, unknown> | null;
  sendCount: number;
  lastSentAt: number | null;
  delivery: Delivery | null;
  /** The secret token; present while the invitation is pending or expired (never accepted). */
  token: string | null;
  /** The link carrying the token, while pending. */
  acceptUrl: string | null;
}

export function effectiveStatus(row: Pick<InvitationRow, "status" | "expires_at">, now: number): InvitationStatus {
  return row.status === "pending" && row.expires_at <= now ? "expired" : row.status;
}

/** Appends the token to an accept page URL as the `token` query parameter. */
export function buildAcceptLink(base: string, token: string): string {
  const prefix = acceptLinkPrefix(base, token);
  if (prefix !== null) return prefix + token;
  const url = new URL(base);
  url.searchParams.set("token", token);
  return url.toString();
}

/** Tokens are base64url: the query encoding leaves them alone. */
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * What comes before `token` in its accept link when the link is that and the token: for a page
 * without a query or fragment (it takes `?token=` as it is) and a URL-safe token. Null for any
 * other, whose link goes through URLSearchParams every time.
 */
export function acceptLinkPrefix(base: string, token: string): string | null {
  let prefix = linkPrefixes.get(base);
  if (prefix === undefined) {
    const url = new URL(base);
    prefix = url.search === "" && url.hash === "" && !base.endsWith("?") && !base.endsWith("#") ? `${url.toString()}?token=` : null;
    if (linkPrefixes.size >= 1_000) linkPrefixes.clear();
    linkPrefixes.set(base, prefix);
  }
  return prefix !== null && URL_SAFE.test(token) ? prefix : null;
}

const linkPrefixes = new Map<string, string | null>();

export interface ViewContext {
  now: number;
  box: SecretBox;
  /** The tenant's accept page (its setting, or Usher's own `/accept`). */
  defaultAcceptBase: string;
}

export function toInvitation(row: InvitationRow, ctx: ViewContext, knownToken?: string): Invitation {
  const status = effectiveStatus(row, ctx.now);
  const token = status === "pending" || status === "expired" ? (knownToken ?? ctx.box.decryptCached(row.token_cipher)) : null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    organizationId: row.organization_id,
    email: row.email,
    emailDisplay: row.email_display,
    inviterUserId: row.inviter_user_id,
    roleIds: JSON.parse(row.role_ids) as string[],
    status,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acceptedAt: row.accepted_at,
    acceptedUserId: row.accepted_user_id,
    revokedAt: row.revoked_at,
    declinedAt: row.declined_at,
    redirectUrl: row.redirect_url,
    locale: row.locale,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    extras: row.extras ? (JSON.parse(row.extras) as Record<string, unknown>) : null,
    sendCount: row.send_count,
    lastSentAt: row.last_sent_at,
    delivery: row.delivery_status ? { status: row.delivery_status, attempts: row.delivery_attempts, lastError: row.delivery_error } : null,
    token,
    acceptUrl: status === "pending" && token ? buildAcceptLink(row.accept_url ?? ctx.defaultAcceptBase, token) : null,
  };
}
