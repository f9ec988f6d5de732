import { type Static, Type } from "@sinclair/typebox";
import { isoTime } from "../../../core/iso-time.js";
import type { InvitationStatus } from "../../../db/schema.js";
import type { Invitation } from "../../../invitations/invitation.js";

/**
 * LoginRadius's request and response shapes. Request field names arrive in any letter case
 * (see `field-names.ts`) and are checked here under the seed's camelCase spelling; answers use
 * LoginRadius's PascalCase objects.
 */

const Id = Type.String({ minLength: 1, maxLength: 64 });
const RoleIds = Type.Array(Id, { maxItems: 100 });

export const SendBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    roleIds: Type.Optional(RoleIds),
    orgId: Id,
    inviterUid: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
export type SendBody = Static<typeof SendBody>;

export const UpdateBody = Type.Object({ roleIds: Type.Optional(RoleIds) }, { additionalProperties: false });
export type UpdateBody = Static<typeof UpdateBody>;

/** Query parameter names are lower-cased before validation (`orgId`, `OrgID` → `orgid`). */
export const InvitationUrlQuery = Type.Object({ invitation_url: Type.Optional(Type.String({ maxLength: 2048 })) });
export const ListQuery = Type.Object({ orgid: Id });
/** An empty id (`/v2/manage/invitations//resend`) is "The invitation id is required." */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export const InvitationObject = Type.Object({
  Id: Type.String(),
  EmailId: Type.String(),
  Status: Type.Union([
    Type.Literal("invited"),
    Type.Literal("accepted"),
    Type.Literal("declined"),
    Type.Literal("revoked"),
    Type.Literal("expired"),
  ]),
  RoleIds: Type.Array(Type.String()),
  OrgId: Type.String(),
  CreatedDate: Type.String(),
  ExpirationDate: Type.String(),
  ModifiedDate: Type.String(),
  InviterUid: Type.Union([Type.String(), Type.Null()]),
});
export type InvitationObject = Static<typeof InvitationObject>;

export const InvitationList = Type.Object({ Data: Type.Array(InvitationObject) });
export const ResendAnswer = Type.Object({ Resent: Type.Boolean() });

const STATUS: Record<InvitationStatus, InvitationObject["Status"]> = {
  pending: "invited",
  accepted: "accepted",
  declined: "declined",
  revoked: "revoked",
  expired: "expired",
};

/** ISO 8601 in UTC without milliseconds, as LoginRadius writes dates: `2023-01-01T00:00:00Z`. */
export function loginRadiusDate(ms: number): string {
  return `${isoTime(ms).slice(0, 19)}Z`;
}

export function toInvitationObject(invitation: Invitation): InvitationObject {
  return {
    Id: invitation.id,
    EmailId: invitation.email,
    Status: STATUS[invitation.status],
    RoleIds: invitation.roleIds,
    OrgId: invitation.organizationId,
    CreatedDate: loginRadiusDate(invitation.createdAt),
    ExpirationDate: loginRadiusDate(invitation.expiresAt),
    ModifiedDate: loginRadiusDate(invitation.updatedAt),
    InviterUid: invitation.inviterUserId,
  };
}
