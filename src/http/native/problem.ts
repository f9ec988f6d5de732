import type { FastifyReply, FastifyRequest } from "fastify";
import { type AppError, ERROR_CODES } from "../../core/errors.js";
import { toAppError } from "../framework-errors.js";

/** RFC 9457 problem details, with the stable `code` and field `errors` (ADR 0002). */
export function problemBody(error: AppError) {
  return {
    type: `urn:usher:problem:${error.code}`,
    title: titleOf(error),
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(error.errors && { errors: error.errors }),
    ...(error.limit && { limit: error.limit }),
  };
}

function titleOf(error: AppError): string {
  return ERROR_CODES[error.code].title;
}

export function sendProblem(reply: FastifyReply, error: AppError) {
  if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
  return reply.code(error.status).type("application/problem+json").serializer(JSON.stringify).send(problemBody(error));
}

/** The native error handler: everything becomes a problem; 5xx are logged, never explained. */
export function nativeErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, "request failed");
  return sendProblem(reply, appError);
}
