import type { Usher } from "../../../container.js";
import type { InvitationStatus } from "../../../db/schema.js";
import type { Invitation } from "../../../invitations/invitation.js";
import type { Organization } from "../../../organizations/organization-service.js";
import type { Role } from "../../../roles/role-service.js";
import type { User } from "../../../users/user-service.js";

/** Logto has no "declined": an invitation the invitee turned down reads as Revoked. */
const STATUS: Record<InvitationStatus, "Pending" | "Accepted" | "Expired" | "Revoked"> = {
  pending: "Pending",
  accepted: "Accepted",
  expired: "Expired",
  revoked: "Revoked",
  declined: "Revoked",
};

export type RoleNames = ReadonlyMap<string, string>;

/** Role names by id, for the `organizationRoles` of invitations. */
export async function loadRoleNames(usher: Usher, tenantId: string): Promise<RoleNames> {
  const roles = await usher.roles.list(tenantId);
  return new Map(roles.map((role) => [role.id, role.name]));
}

/** The OrganizationInvitationEntity; times are epoch milliseconds. Deleted roles are left out. */
export function invitationEntity(invitation: Invitation, roleNames: RoleNames) {
  return {
    tenantId: invitation.tenantId,
    id: invitation.id,
    inviterId: invitation.inviterUserId,
    invitee: invitation.emailDisplay,
    acceptedUserId: invitation.acceptedUserId,
    organizationId: invitation.organizationId,
    status: STATUS[invitation.status],
    createdAt: invitation.createdAt,
    updatedAt: invitation.updatedAt,
    expiresAt: invitation.expiresAt,
    organizationRoles: invitation.roleIds.flatMap((id) => {
      const name = roleNames.get(id);
      return name === undefined ? [] : [{ id, name }];
    }),
  };
}

export function organizationEntity(tenantId: string, organization: Organization) {
  return {
    tenantId,
    id: organization.id,
    name: organization.name,
    description: organization.description,
    customData: {},
    isMfaRequired: false,
    color: {},
    branding: {},
    customCss: null,
    createdAt: organization.createdAt,
  };
}

export function roleEntity(tenantId: string, role: Role) {
  return { tenantId, id: role.id, name: role.name, description: role.description, type: "User" as const };
}

/** Usher users have an email and a name; Logto's other profile fields are empty. */
export function userEntity(user: User) {
  return {
    id: user.id,
    username: null,
    primaryEmail: user.email,
    primaryPhone: null,
    name: user.name,
    avatar: null,
    customData: {},
    identities: {},
    lastSignInAt: null,
    createdAt: user.createdAt,
    updatedAt: user.createdAt,
    profile: {},
    applicationId: null,
    isSuspended: false,
    hasPassword: false,
  };
}

/** Logto's `q`: a case-insensitive part of any of the given fields. */
export function matchesSearch(q: string | undefined, ...fields: Array<string | null>): boolean {
  if (q === undefined || q === "") return true;
  const needle = q.toLowerCase();
  return fields.some((field) => field?.toLowerCase().includes(needle));
}
