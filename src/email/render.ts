/** The values an invitation email shows. */
export interface InvitationEmailData {
  organizationName: string;
  inviterName: string | null;
  roleNames: string[];
  link: string;
  expiresAt: number;
  brandName: string | null;
  reason: "invitation" | "reminder";
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** English, plain layout; localized and overridable templates build on this shape. */
export function renderInvitationEmail(data: InvitationEmailData, _locale: string): RenderedEmail {
  const who = data.inviterName ? `${data.inviterName} invited you` : "You have been invited";
  const roles = data.roleNames.length > 0 ? ` as ${data.roleNames.join(", ")}` : "";
  const expires = new Date(data.expiresAt).toUTCString();
  const subject = `${data.reason === "reminder" ? "Reminder: " : ""}Join ${data.organizationName}`;
  const text = `${who} to join ${data.organizationName}${roles}.\n\nAccept the invitation: ${data.link}\n\nThis link expires on ${expires}.\n`;
  const html = `<!doctype html><html><body style="font-family:sans-serif"><p>${escapeHtml(who)} to join <strong>${escapeHtml(
    data.organizationName,
  )}</strong>${escapeHtml(roles)}.</p><p><a href="${escapeHtml(data.link)}">Accept the invitation</a></p><p>This link expires on ${escapeHtml(
    expires,
  )}.</p></body></html>`;
  return { subject, text, html };
}
