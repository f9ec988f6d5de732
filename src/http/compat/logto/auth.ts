import type { FastifyRequest } from "fastify";
import type { AuthContext } from "../../../api-keys/api-key-service.js";
import { hasScope } from "../../../api-keys/scopes.js";
import type { Usher } from "../../../container.js";
import { credentialFromHeader } from "../../auth.js";
import { type AccessTokens, looksLikeJwt } from "./access-token.js";
import { LogtoError } from "./errors.js";

/**
 * `Authorization: Bearer <token>` where the token is a full API key or an access token from
 * `POST /oidc/token`. Then the per-key request limit and the route's scope, as everywhere.
 */
export function logtoAuthHook(usher: Usher, tokens: AccessTokens) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === "") {
      throw new LogtoError(401, "auth.authorization_header_missing", "Authorization header is missing.");
    }
    const credential = credentialFromHeader(header, "Bearer");
    const auth = credential ? await authenticate(usher, tokens, credential) : null;
    if (!auth) throw new LogtoError(401, "auth.unauthorized", "Unauthorized. Please check credentials and its scope.");
    await usher.limits.requireRequestAllowance(auth.keyId, await usher.settings.get(auth.tenantId));
    const scope = request.routeOptions.config.scope;
    if (scope && !hasScope(auth.scopes, scope)) {
      throw new LogtoError(403, "auth.forbidden", "Forbidden. Please check your user roles and permissions.", {
        details: `this API key lacks the ${scope} scope`,
      });
    }
    request.auth = auth;
  };
}

async function authenticate(usher: Usher, tokens: AccessTokens, credential: string): Promise<AuthContext | null> {
  if (!looksLikeJwt(credential)) return usher.apiKeys.authenticate(credential);
  const keyId = await tokens.verify(credential);
  return keyId ? usher.apiKeys.authenticateKeyId(keyId) : null;
}
