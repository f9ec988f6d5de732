import type { Usher } from "../../../container.js";
import { AppError, isAppError } from "../../../core/errors.js";
import { requireInviterMembership } from "../../../invitations/inviter-membership.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { readExpiresIn } from "./duration.js";
import { requireOrganization } from "./lookups.js";
import { type ReadRoleAssignments, type RoleAssignments, readRoleAssignments } from "./role-assignments.js";
import { CreateInvitationsBody, OrganizationParams } from "./schemas.js";
import { organizationInvitationView } from "./view.js";

const CONTROL = /\p{Cc}/u;

/**
 * An email item the core can judge: a string without control characters. Anything else
 * becomes an empty string, which the core refuses at the same position as every other
 * malformed email, so one answer lists them all.
 */
function emailForCore(item: unknown): string {
  return typeof item === "string" && !CONTROL.test(item) ? item : "";
}

/** Core error paths in the request's own terms (`/expiresIn` → `/expires_in`, roles by position). */
function inRequestTerms(error: unknown, roles: ReadRoleAssignments): unknown {
  if (!isAppError(error) || !error.errors) return error;
  const errors = error.errors.map((e) => ({ ...e, path: e.path === "/expiresIn" ? "/expires_in" : roles.requestPath(e.path) }));
  return new AppError(error.code, { detail: error.detail, errors, retryAfter: error.retryAfter, limit: error.limit });
}

/** `POST /organizations/{organization_id}/invitations`: create or refresh, all or nothing. */
export async function createInvitationsRoute(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/organizations/:organization_id/invitations",
    { config: { scope: "invitations:write" }, schema: { hide: true, params: OrganizationParams, body: CreateInvitationsBody } },
    async (request, reply) => {
      const { tenantId, userId } = request.auth;
      const organizationId = request.params.organization_id;
      const body = request.body;
      const settings = await usher.settings.get(tenantId);
      const expiresIn = readExpiresIn(body.expires_in, settings.invitationLifetime.maxSeconds);
      const roles = readRoleAssignments(body.role_assignments as RoleAssignments | undefined, organizationId);
      const organization = await requireOrganization(usher, tenantId, organizationId);
      // The key's user is the sender (ADR 0032); an unbound key invites with no inviter.
      if (userId) await requireInviterMembership(usher.db, tenantId, organizationId, userId);

      const results = await usher.invitations
        .createMany(
          tenantId,
          actorOf(request),
          {
            organizationId,
            emails: body.emails.map(emailForCore),
            roleIds: roles.roleIds,
            inviterUserId: userId,
            expiresIn,
            extras: roles.extras,
          },
          { atomic: true, emailPath: (i) => `/emails/${i}` },
        )
        .catch((error: unknown) => {
          throw inRequestTerms(error, roles);
        });
      const invitations = results.flatMap((r) =>
        r.invitation?.token ? [organizationInvitationView(r.invitation, organization, r.invitation.token)] : [],
      );
      return reply.code(201).send({ invitations });
    },
  );
}
