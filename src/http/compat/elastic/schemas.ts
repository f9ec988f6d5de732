import { type Static, Type } from "@sinclair/typebox";

const RoleId = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" });

/** Elastic's `OrganizationRoleAssignment`; `organization_id` may be left out (it is the path's). */
const OrganizationRoleAssignmentSchema = Type.Object(
  { role_id: RoleId, organization_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

/** Elastic's `RoleAssignments`: other kinds (platform, deployment, project) are kept as sent. */
const RoleAssignmentsSchema = Type.Object(
  { organization: Type.Optional(Type.Array(OrganizationRoleAssignmentSchema, { maxItems: 100 })) },
  { additionalProperties: true },
);

/**
 * Elastic's `OrganizationInvitationRequest`. Email items are checked by the core, item by item,
 * so that every malformed one is reported with its position.
 */
export const CreateInvitationsBody = Type.Object(
  {
    emails: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }),
    expires_in: Type.Optional(Type.String({ maxLength: 32 })),
    role_assignments: Type.Optional(RoleAssignmentsSchema),
  },
  { additionalProperties: false },
);
export type CreateInvitationsBody = Static<typeof CreateInvitationsBody>;

export const OrganizationParams = Type.Object({ organization_id: Type.String() });

/** The rest of the path after a fixed prefix (tokens are longer than the router's parameters allow). */
export const RestParams = Type.Object({ "*": Type.String() });
export const OrganizationRestParams = Type.Object({ organization_id: Type.String(), "*": Type.String() });
