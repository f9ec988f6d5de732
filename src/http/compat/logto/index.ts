import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";
import type { Usher } from "../../../container.js";
import type { NativeApp } from "../../native/types.js";
import { AccessTokens } from "./access-token.js";
import { logtoAuthHook } from "./auth.js";
import { logtoErrorHandler, logtoNotFoundHandler } from "./errors.js";
import { invitationRoutes } from "./invitation-routes.js";
import { oidcErrorHandler, oidcNotFoundHandler } from "./oidc-errors.js";
import { organizationRoutes } from "./organization-routes.js";
import { roleRoutes } from "./role-routes.js";
import { tokenRoute } from "./token-route.js";
import { userRoutes } from "./user-routes.js";

interface LogtoOptions {
  usher: Usher;
  tokens: AccessTokens;
}

/**
 * The Logto-compatible dialect (COMPAT.md B): Logto's Management API under `/api` and the
 * client credentials token endpoint under `/oidc`, sharing one access token issuer.
 */
export async function registerLogtoDialect(app: FastifyInstance, usher: Usher): Promise<void> {
  const tokens = new AccessTokens(usher.config.secret, `${usher.config.publicUrl}/oidc`, usher.clock);
  await app.register(logtoManagementApi, { prefix: "/api", usher, tokens });
  await app.register(logtoOidc, { prefix: "/oidc", usher, tokens });
}

/** Routes are registered one by one (no wildcard), so `/api/v1/...` of other dialects stays theirs. */
async function logtoManagementApi(app: NativeApp, options: LogtoOptions): Promise<void> {
  const { usher, tokens } = options;
  hideFromNativeDocument(app);
  app.decorateRequest("auth", null as never);
  app.setErrorHandler(logtoErrorHandler);
  app.setNotFoundHandler(logtoNotFoundHandler);
  // JSON only: a text/plain body is refused (415 → guard.invalid_input) rather than read as a string.
  app.removeContentTypeParser("text/plain");
  app.addHook("onRequest", logtoAuthHook(usher, tokens));
  // A POST or PUT without a body is an empty object, so the schemas decide, as in Logto.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && (request.method === "POST" || request.method === "PUT")) request.body = {};
  });
  await invitationRoutes(app, usher);
  await organizationRoutes(app, usher);
  await roleRoutes(app, usher);
  await userRoutes(app, usher);
}

async function logtoOidc(app: FastifyInstance, options: LogtoOptions): Promise<void> {
  hideFromNativeDocument(app);
  await app.register(formbody);
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler(oidcErrorHandler);
  app.setNotFoundHandler(oidcNotFoundHandler);
  tokenRoute(app, options.usher, options.tokens);
}

/** `/openapi.json` documents the native API; the Logto dialect is documented by Logto. */
function hideFromNativeDocument(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}
