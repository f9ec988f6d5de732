import { AppError, type FieldError } from "../../../core/errors.js";

export interface OrganizationRoleAssignment {
  role_id: string;
  organization_id?: string;
}

/** Elastic's `RoleAssignments`: organization roles are Usher roles; other kinds are kept as given. */
export type RoleAssignments = { organization?: OrganizationRoleAssignment[] } & Record<string, unknown>;

export interface ReadRoleAssignments {
  roleIds: string[];
  /** What the invitation stores in `extras` so the assignments can be echoed back unchanged. */
  extras: { roleAssignments: RoleAssignments } | null;
  /** Turns a core error path (`/roleIds/2`) into the request's (`/role_assignments/organization/5/role_id`). */
  requestPath(corePath: string): string;
}

/** The Usher role ids to grant on acceptance; an assignment for another organization is refused. */
export function readRoleAssignments(input: RoleAssignments | undefined, organizationId: string): ReadRoleAssignments {
  const assignments = input?.organization ?? [];
  const wrongOrganization: FieldError[] = assignments.flatMap((assignment, i) =>
    assignment.organization_id !== undefined && assignment.organization_id !== organizationId
      ? [{ path: `/role_assignments/organization/${i}/organization_id`, message: "must be the organization of the invitation" }]
      : [],
  );
  if (wrongOrganization.length > 0) {
    throw new AppError("validation_failed", { detail: "a role assignment names another organization", errors: wrongOrganization });
  }
  const roleIds = assignments.map((a) => a.role_id);
  // The core reports unknown roles by their position in the de-duplicated list.
  const distinct = [...new Set(roleIds)];
  return {
    roleIds,
    extras: input ? { roleAssignments: input } : null,
    requestPath(corePath) {
      const match = /^\/roleIds\/(\d+)$/.exec(corePath);
      const roleId = match ? distinct[Number(match[1])] : undefined;
      return roleId === undefined ? corePath : `/role_assignments/organization/${roleIds.indexOf(roleId)}/role_id`;
    },
  };
}

/** The assignments to show: as stored at creation, or derived from the roles of an invitation made elsewhere. */
export function roleAssignmentsOf(
  extras: Record<string, unknown> | null,
  roleIds: readonly string[],
  organizationId: string,
): RoleAssignments | undefined {
  const stored = extras?.roleAssignments;
  if (typeof stored === "object" && stored !== null && !Array.isArray(stored)) return stored as RoleAssignments;
  if (roleIds.length === 0) return undefined;
  return { organization: roleIds.map((role_id) => ({ organization_id: organizationId, role_id })) };
}
