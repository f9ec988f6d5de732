import type { FastifyReply, FastifyRequest } from "fastify";
import type { AuthContext } from "../api-keys/api-key-service.js";
import { hasScope, type Scope } from "../api-keys/scopes.js";
import type { Usher } from "../container.js";
import { AppError } from "../core/errors.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one need only a valid key. */
    scope?: Scope;
    /** Invitee routes authenticated by token, not API key. */
    public?: boolean;
  }
  interface FastifyRequest {
    auth: AuthContext;
  }
}

/** Reads `Authorization: <scheme> <key>`; null when absent or of another scheme. */
export function credentialFromHeader(header: string | undefined, scheme: string): string | null {
  if (!header) return null;
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return null;
  const value = header.slice(space + 1).trim();
  return value.length > 0 ? value : null;
}

/**
 * Authenticates with an API key, applies the per-key request limit and the route's scope.
 * Dialects pass their own way of finding the key and their own errors through AppError codes.
 */
export async function authorize(usher: Usher, request: FastifyRequest, presented: string | null): Promise<AuthContext> {
  const auth = presented ? await usher.apiKeys.authenticate(presented) : null;
  if (!auth) throw new AppError("unauthorized", { detail: "send a valid API key" });
  await usher.limits.requireRequestAllowance(auth.keyId, await usher.settings.get(auth.tenantId));
  const scope = request.routeOptions.config.scope;
  if (scope && !hasScope(auth.scopes, scope)) {
    throw new AppError("forbidden", { detail: `this API key lacks the ${scope} scope` });
  }
  request.auth = auth;
  return auth;
}

export function bearerHook(usher: Usher) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.config.public) return;
    await authorize(usher, request, credentialFromHeader(request.headers.authorization, "Bearer"));
  };
}
