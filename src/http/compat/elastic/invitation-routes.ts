import type { FastifyRequest } from "fastify";
import type { Usher } from "../../../container.js";
import { AppError, isAppError } from "../../../core/errors.js";
import type { InvitationRow } from "../../../db/schema.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { invitationNotFound, readTokenList, requireOrganization, routeNotFound, VISIBLE_STATUSES } from "./lookups.js";
import { OrganizationParams, OrganizationRestParams, RestParams } from "./schemas.js";
import { organizationInvitationView } from "./view.js";

/** Elastic lists every open invitation at once; this bounds one answer. */
const LIST_LIMIT = 10_000;
const ACCEPT_SUFFIX = "/_accept";

/**
 * The visible invitation a token names in the caller's tenant. A miss counts as a failed token
 * attempt for the client address, as on the invitee's own endpoints (ADR 0031).
 */
async function findVisible(usher: Usher, request: FastifyRequest, token: string): Promise<InvitationRow> {
  const row = await usher.lifecycle.findByToken(token, request.ip);
  if (row.tenant_id !== request.auth.tenantId) {
    await usher.limits.recordFailedTokenAttempt(request.ip);
    throw invitationNotFound();
  }
  if (!VISIBLE_STATUSES.includes(row.status)) throw invitationNotFound();
  return row;
}

/** A key whose user was deleted is as good as unbound. */
function unlessUserMissing(error: unknown): null {
  if (isAppError(error) && error.code === "user_not_found") return null;
  throw error;
}

/** List, get, delete and accept: the token is the invitation's identifier (ADR 0031). */
export async function invitationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.get(
    "/organizations/:organization_id/invitations",
    { config: { scope: "invitations:read" }, schema: { hide: true, params: OrganizationParams } },
    async (request) => {
      const { tenantId } = request.auth;
      const organization = await requireOrganization(usher, tenantId, request.params.organization_id);
      const open = await usher.invitationTokens.listLatestOpen(tenantId, organization.id, LIST_LIMIT);
      return {
        invitations: open.flatMap((invitation) =>
          invitation.token ? [organizationInvitationView(invitation, organization, invitation.token)] : [],
        ),
      };
    },
  );

  app.delete(
    "/organizations/:organization_id/invitations/*",
    { config: { scope: "invitations:write" }, schema: { hide: true, params: OrganizationRestParams } },
    async (request) => {
      const { tenantId } = request.auth;
      const tokens = readTokenList(request.params["*"]);
      const organization = await requireOrganization(usher, tenantId, request.params.organization_id);
      await usher.limits.requireTokenAttemptsLeft(request.ip);
      await usher.invitationTokens
        .deleteByTokens(tenantId, actorOf(request), organization.id, tokens, {
          statuses: [...VISIBLE_STATUSES],
          tokenPath: (i) => `/invitation_tokens/${i}`,
        })
        .catch(async (error: unknown) => {
          if (isAppError(error) && error.code === "invitation_not_found") await usher.limits.recordFailedTokenAttempt(request.ip);
          throw error;
        });
      return {};
    },
  );

  app.get(
    "/organizations/invitations/*",
    { config: { scope: "invitations:read" }, schema: { hide: true, params: RestParams } },
    async (request) => {
      const token = request.params["*"];
      if (token.includes("/")) throw routeNotFound(request);
      const row = await findVisible(usher, request, token);
      const [invitation, organization] = await Promise.all([
        usher.invitations.get(row.tenant_id, row.id),
        requireOrganization(usher, row.tenant_id, row.organization_id),
      ]);
      return organizationInvitationView(invitation, organization, token);
    },
  );

  // The invitee accepts with a key bound to their own user; no scope is needed (ADR 0032).
  app.post("/organizations/invitations/*", { schema: { hide: true, params: RestParams } }, async (request) => {
    const rest = request.params["*"];
    const token = rest.slice(0, -ACCEPT_SUFFIX.length);
    if (!rest.endsWith(ACCEPT_SUFFIX) || token.includes("/")) throw routeNotFound(request);
    const { tenantId, userId } = request.auth;
    const user = userId ? await usher.users.get(tenantId, userId).catch(unlessUserMissing) : null;
    if (!user) throw new AppError("unauthorized", { detail: "accept with an API key bound to the invited user" });
    const row = await findVisible(usher, request, token);
    await usher.lifecycle.acceptAsUser(row, user, actorOf(request));
    return {};
  });
}
