import type { SecretBox } from "../core/crypto.js";
import { buildAcceptLink } from "../invitations/invitation.js";
import type { TenantSettings } from "../settings/settings.js";
import type { ClaimedMessage, MailContext } from "./delivery-queries.js";
import type { InvitationEmailPayload } from "./outbox.js";
import { renderInvitationEmail, type TemplateOverrides } from "./render.js";
import type { MailAddress } from "./sender-address.js";
import type { OutgoingMessage } from "./transport.js";

/** Why a message is not sent at all (it is closed as dead with this error class). */
export type SkipReason = "invitation_not_pending" | "superseded";

export interface ComposeInput {
  message: ClaimedMessage;
  context: MailContext;
  settings: TenantSettings;
  from: MailAddress;
  box: SecretBox;
  publicUrl: string;
  now: number;
}

/**
 * Renders one invitation email from the invitation as it is now (the token, roles and expiry at
 * send time), or says why it is not sent: the invitation ended, or a newer send request for it
 * (a resend) was queued after this one, and that newer message carries the email.
 */
export function composeInvitationEmail(input: ComposeInput): OutgoingMessage | { skip: SkipReason } {
  const { message, context, settings } = input;
  const payload = JSON.parse(message.payload) as InvitationEmailPayload;
  const invitation = context.invitations.get(payload.invitationId);
  if (invitation?.status !== "pending" || invitation.expires_at <= input.now) return { skip: "invitation_not_pending" };
  if (invitation.last_sent_at !== null && invitation.last_sent_at > message.createdAt) return { skip: "superseded" };
  const inviter = invitation.inviter_user_id ? context.users.get(invitation.inviter_user_id) : undefined;
  const roleNames = (JSON.parse(invitation.role_ids) as string[])
    .map((id) => context.roles.get(id))
    .filter((name): name is string => name !== undefined)
    .sort((a, b) => a.localeCompare(b));
  const base = invitation.accept_url ?? settings.acceptUrl ?? `${input.publicUrl}/accept`;
  const rendered = renderInvitationEmail(
    {
      organizationName: context.organizations.get(invitation.organization_id) ?? "",
      inviterName: inviter ? (inviter.name ?? inviter.email) : null,
      roleNames,
      link: buildAcceptLink(base, input.box.decryptCached(invitation.token_cipher)),
      expiresAt: invitation.expires_at,
      brandName: settings.brandName,
      recipient: invitation.email_display || invitation.email,
      reason: payload.reason,
    },
    { requested: invitation.locale, tenantDefault: settings.locale },
    templateOverrides(settings.templates),
  );
  return {
    tenantId: message.tenantId,
    outboxId: message.id,
    messageId: message.messageId,
    from: input.from,
    to: invitation.email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: { "Content-Language": rendered.locale, "Auto-Submitted": "auto-generated" },
  };
}

/** The string parts of `settings.templates` (validated when saved; read defensively). */
export function templateOverrides(templates: Record<string, unknown>): TemplateOverrides {
  const overrides: TemplateOverrides = {};
  for (const [locale, value] of Object.entries(templates)) {
    if (typeof value !== "object" || value === null) continue;
    const parts = value as Record<string, unknown>;
    overrides[locale] = {
      ...(typeof parts.subject === "string" && { subject: parts.subject }),
      ...(typeof parts.text === "string" && { text: parts.text }),
      ...(typeof parts.html === "string" && { html: parts.html }),
    };
  }
  return overrides;
}
