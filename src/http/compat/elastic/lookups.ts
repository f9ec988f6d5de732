import type { FastifyRequest } from "fastify";
import type { Usher } from "../../../container.js";
import { AppError, validationError } from "../../../core/errors.js";
import type { InvitationStatus } from "../../../db/schema.js";
import { redactUrl } from "../../../logging.js";
import type { OrganizationSummary } from "./view.js";

/** Ids Usher hands out; anything else cannot name an organization and is not looked up. */
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOKENS = 1000;

/** The invitations this dialect shows: it has no revoked or declined state (deleting is its revoke). */
export const VISIBLE_STATUSES: readonly InvitationStatus[] = ["pending", "expired", "accepted"];

export async function requireOrganization(usher: Usher, tenantId: string, organizationId: string): Promise<OrganizationSummary> {
  if (!ID_SHAPE.test(organizationId)) {
    throw new AppError("organization_not_found", { detail: `organization ${organizationId} does not exist` });
  }
  const { id, name } = await usher.organizations.get(tenantId, organizationId);
  return { id, name };
}

/** `a,b,,c` → `[a, b, c]`; a list with no token at all is refused. */
export function readTokenList(text: string): string[] {
  const tokens = text
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  if (tokens.length === 0) throw validationError("/invitation_tokens", "must name at least one invitation token");
  if (tokens.length > MAX_TOKENS) throw validationError("/invitation_tokens", `must name at most ${MAX_TOKENS} tokens`);
  return tokens;
}

export function invitationNotFound(): AppError {
  return new AppError("invitation_not_found", { detail: "no invitation matches this token" });
}

export function routeNotFound(request: FastifyRequest): AppError {
  // The path may hold tokens: they never go back out in an error.
  return new AppError("route_not_found", { detail: `no route ${request.method} ${redactUrl(request.url.split("?")[0] ?? "")}` });
}
