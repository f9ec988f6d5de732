import { isoTime } from "../../../core/iso-time.js";
import type { Invitation } from "../../../invitations/invitation.js";
import { roleAssignmentsOf } from "./role-assignments.js";

export interface OrganizationSummary {
  id: string;
  name: string;
}

/** Elastic's `OrganizationInvitation`; the token is the invitation's identifier in this dialect. */
export function organizationInvitationView(invitation: Invitation, organization: OrganizationSummary, token: string) {
  const roleAssignments = roleAssignmentsOf(invitation.extras, invitation.roleIds, invitation.organizationId);
  return {
    token,
    email: invitation.email,
    created_at: isoTime(invitation.createdAt),
    expires_at: isoTime(invitation.expiresAt),
    expired: invitation.status === "expired",
    ...(invitation.acceptedAt !== null && { accepted_at: isoTime(invitation.acceptedAt) }),
    organization: { id: organization.id, name: organization.name },
    ...(roleAssignments && { role_assignments: roleAssignments }),
  };
}
