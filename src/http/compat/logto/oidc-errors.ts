import type { FastifyReply, FastifyRequest } from "fastify";
import { redactUrl } from "../../../logging.js";
import { toAppError } from "../../framework-errors.js";

export type OAuthErrorName =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "server_error";

/**
 * An OAuth 2.0 error of the token endpoint (RFC 6749 §5.2). Its body carries both the OAuth
 * fields (`error`, `error_description`) that OAuth clients read and Logto's `{code, message}`.
 */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly error: OAuthErrorName,
    readonly description: string,
    /** Set when the client tried HTTP Basic: the 401 then names the scheme. */
    readonly basicChallenge = false,
  ) {
    super(description);
    this.name = "OAuthError";
    this.status = error === "invalid_client" ? 401 : error === "server_error" ? 500 : 400;
  }
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  if (error.basicChallenge) reply.header("www-authenticate", 'Basic realm="usher"');
  return reply
    .code(error.status)
    .header("cache-control", "no-store")
    .type("application/json; charset=utf-8")
    .serializer(JSON.stringify)
    .send({ error: error.error, error_description: error.description, code: `oidc.${error.error}`, message: error.description });
}

export function oidcErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof OAuthError) return sendOAuthError(reply, error);
  const appError = toAppError(error);
  if (appError.status >= 500) {
    request.log.error({ err: error }, "token request failed");
    return sendOAuthError(reply, new OAuthError("server_error", "An internal error occurred."));
  }
  return sendOAuthError(reply, new OAuthError("invalid_request", appError.detail));
}

export function oidcNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = redactUrl(request.url.split("?")[0] ?? "");
  return reply
    .code(404)
    .type("application/json; charset=utf-8")
    .serializer(JSON.stringify)
    .send({ code: "entity.not_found", message: `The resource does not exist. No route ${request.method} ${path}.` });
}
