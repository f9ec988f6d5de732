import { field, InvitationDocument } from "../../invitations/invitation-documents.js";

/** `invitationView` as list pages write it (ADR 0011): the same fields and values. */
export const invitationDocument = new InvitationDocument({
  id: field.column("id"),
  organizationId: field.column("organization_id"),
  email: field.column("email"),
  roleIds: field.json("role_ids"),
  inviterUserId: field.column("inviter_user_id"),
  status: field.status(),
  expiresAt: field.time("expires_at"),
  createdAt: field.time("created_at"),
  updatedAt: field.time("updated_at"),
  acceptedAt: field.time("accepted_at"),
  acceptedUserId: field.column("accepted_user_id"),
  revokedAt: field.time("revoked_at"),
  declinedAt: field.time("declined_at"),
  redirectUrl: field.column("redirect_url"),
  locale: field.column("locale"),
  metadata: field.json("metadata"),
  sendCount: field.column("send_count"),
  lastSentAt: field.time("last_sent_at"),
  delivery: field.object("delivery_status", {
    status: field.column("delivery_status"),
    attempts: field.column("delivery_attempts"),
    lastError: field.column("delivery_error"),
  }),
  acceptUrl: field.acceptUrl(),
});
