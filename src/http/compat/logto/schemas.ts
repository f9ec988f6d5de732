import { type TSchema, Type } from "@sinclair/typebox";

/**
 * Logto's request and response shapes. Request objects allow unknown keys (Logto's guards strip
 * them; Usher ignores them); what Usher reads is validated as Logto validates it.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Epoch = Type.Number();
const Strings = Type.Array(Type.String());

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export const UserIdParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 256 }) });

const pageQuery = {
  page: Type.Optional(Type.String({ maxLength: 12 })),
  page_size: Type.Optional(Type.String({ maxLength: 12 })),
};
const searchQuery = { q: Type.Optional(Type.String({ maxLength: 256 })), ...pageQuery };

export const MessagePayloadSchema = Type.Object({
  code: Type.Optional(Type.String()),
  link: Type.Optional(Type.String({ maxLength: 2048 })),
  locale: Type.Optional(Type.String()),
  uiLocales: Type.Optional(Type.String()),
});

export const CreateInvitationBody = Type.Object({
  inviterId: Type.Optional(Nullable(Type.String({ maxLength: 21 }))),
  invitee: Type.String({ format: "email", maxLength: 320 }),
  organizationId: Type.String({ minLength: 1, maxLength: 21 }),
  expiresAt: Epoch,
  organizationRoleIds: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
  messagePayload: Type.Optional(Type.Union([MessagePayloadSchema, Type.Literal(false)])),
});

export const InvitationStatusBody = Type.Object({
  status: Type.Union([Type.Literal("Accepted"), Type.Literal("Revoked")]),
  acceptedUserId: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
});

export const ListInvitationsQuery = Type.Object({
  organizationId: Type.Optional(Type.String({ maxLength: 256 })),
  inviterId: Type.Optional(Type.String({ maxLength: 256 })),
  invitee: Type.Optional(Type.String({ maxLength: 320 })),
  ...pageQuery,
});

export const InvitationEntitySchema = Type.Object({
  tenantId: Type.String(),
  id: Type.String(),
  inviterId: Nullable(Type.String()),
  invitee: Type.String(),
  acceptedUserId: Nullable(Type.String()),
  organizationId: Type.String(),
  status: Type.Union([Type.Literal("Pending"), Type.Literal("Accepted"), Type.Literal("Expired"), Type.Literal("Revoked")]),
  createdAt: Epoch,
  updatedAt: Epoch,
  expiresAt: Epoch,
  organizationRoles: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});

export const CreateOrganizationBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
});

export const ListOrganizationsQuery = Type.Object({ ...searchQuery, showFeatured: Type.Optional(Type.String()) });

export const OrganizationEntitySchema = Type.Object({
  tenantId: Type.String(),
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  customData: Type.Record(Type.String(), Type.Unknown()),
  isMfaRequired: Type.Boolean(),
  color: Type.Record(Type.String(), Type.Unknown()),
  branding: Type.Record(Type.String(), Type.Unknown()),
  customCss: Nullable(Type.String()),
  createdAt: Epoch,
});

export const CreateRoleBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  type: Type.Optional(Type.Union([Type.Literal("User"), Type.Literal("MachineToMachine")])),
  organizationScopeIds: Type.Optional(Strings),
  resourceScopeIds: Type.Optional(Strings),
});

export const ListRolesQuery = Type.Object(searchQuery);

const roleFields = {
  tenantId: Type.String(),
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  type: Type.Union([Type.Literal("User"), Type.Literal("MachineToMachine")]),
};
export const RoleEntitySchema = Type.Object(roleFields);
export const RoleListItemSchema = Type.Object({
  ...roleFields,
  scopes: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  resourceScopes: Type.Array(Type.Unknown()),
});

export const CreateUserBody = Type.Object({
  primaryEmail: Type.String({ minLength: 1, maxLength: 320 }),
  username: Type.Optional(Type.String({ maxLength: 128 })),
  name: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
});

const userFields = {
  id: Type.String(),
  username: Nullable(Type.String()),
  primaryEmail: Nullable(Type.String()),
  primaryPhone: Nullable(Type.String()),
  name: Nullable(Type.String()),
  avatar: Nullable(Type.String()),
  customData: Type.Record(Type.String(), Type.Unknown()),
  identities: Type.Record(Type.String(), Type.Unknown()),
  lastSignInAt: Nullable(Epoch),
  createdAt: Epoch,
  updatedAt: Epoch,
  profile: Type.Record(Type.String(), Type.Unknown()),
  applicationId: Nullable(Type.String()),
  isSuspended: Type.Boolean(),
  hasPassword: Type.Boolean(),
};
export const UserEntitySchema = Type.Object(userFields);
export const OrganizationUserSchema = Type.Object({
  ...userFields,
  organizationRoles: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});

export const ListOrganizationUsersQuery = Type.Object({
  ...searchQuery,
  organizationRoleId: Type.Optional(Type.String({ maxLength: 256 })),
});
export const AddOrganizationUsersBody = Type.Object({
  userIds: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000 }),
});
