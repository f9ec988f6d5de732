import { type TSchema, Type } from "@sinclair/typebox";
import { isoTime } from "../../core/iso-time.js";
import type { Invitation } from "../../invitations/invitation.js";

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Timestamp = Type.String({ format: "date-time" });
export const Id = Type.String({ minLength: 1, maxLength: 64 });

export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) }))),
    limit: Type.Optional(Type.String()),
  },
  { $id: "Problem" },
);

export const InvitationStatusSchema = Type.Union([
  Type.Literal("pending"),
  Type.Literal("accepted"),
  Type.Literal("declined"),
  Type.Literal("revoked"),
  Type.Literal("expired"),
]);

export const InvitationSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  email: Type.String(),
  roleIds: Type.Array(Type.String()),
  inviterUserId: Nullable(Type.String()),
  status: InvitationStatusSchema,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  acceptedAt: Nullable(Timestamp),
  acceptedUserId: Nullable(Type.String()),
  revokedAt: Nullable(Timestamp),
  declinedAt: Nullable(Timestamp),
  redirectUrl: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  sendCount: Type.Integer(),
  lastSentAt: Nullable(Timestamp),
  delivery: Nullable(
    Type.Object({
      status: Type.Union([Type.Literal("queued"), Type.Literal("sent"), Type.Literal("failed")]),
      attempts: Type.Integer(),
      lastError: Nullable(Type.String()),
    }),
  ),
  acceptUrl: Nullable(Type.String()),
});

export function invitationView(invitation: Invitation) {
  return {
    id: invitation.id,
    organizationId: invitation.organizationId,
    email: invitation.email,
    roleIds: invitation.roleIds,
    inviterUserId: invitation.inviterUserId,
    status: invitation.status,
    expiresAt: iso(invitation.expiresAt),
    createdAt: iso(invitation.createdAt),
    updatedAt: iso(invitation.updatedAt),
    acceptedAt: iso(invitation.acceptedAt),
    acceptedUserId: invitation.acceptedUserId,
    revokedAt: iso(invitation.revokedAt),
    declinedAt: iso(invitation.declinedAt),
    redirectUrl: invitation.redirectUrl,
    locale: invitation.locale,
    metadata: invitation.metadata,
    sendCount: invitation.sendCount,
    lastSentAt: iso(invitation.lastSentAt),
    delivery: invitation.delivery,
    acceptUrl: invitation.acceptUrl,
  };
}

export { invitationDocument } from "./invitation-document.js";

export const MembershipSchema = Type.Object({
  organizationId: Type.String(),
  userId: Type.String(),
  roleIds: Type.Array(Type.String()),
  createdAt: Timestamp,
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const IdParams = Type.Object({ id: Id });
