import type { Invitation } from "../../../invitations/invitation.js";
import { roleAssignmentsOf } from "./role-assignments.js";

export interface OrganizationSummary {
  id: string;
  name: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Elastic's `OrganizationInvitation`; the token is the invitation's identifier in this dialect. */
export function organizationInvitationView(invitation: Invitation, organization: OrganizationSummary, token: string) {
  const roleAssignments = roleAssignmentsOf(invitation.extras, invitation.roleIds, invitation.organizationId);
  return {
    token,
    email: invitation.email,
    created_at: iso(invitation.createdAt),
    expires_at: iso(invitation.expiresAt),
    expired: invitation.status === "expired",
    ...(invitation.acceptedAt !== null && { accepted_at: iso(invitation.acceptedAt) }),
    organization: { id: organization.id, name: organization.name },
    ...(roleAssignments && { role_assignments: roleAssignments }),
  };
}
