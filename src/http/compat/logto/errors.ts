import type { FastifyReply, FastifyRequest } from "fastify";
import { type AppError, ERROR_CODES, type ErrorCode, type FieldError, isAppError } from "../../../core/errors.js";
import { redactUrl } from "../../../logging.js";
import { toAppError } from "../../framework-errors.js";

/**
 * The Logto dialect's errors: `{code, message, data?}` with Logto's codes and sentences
 * (ADR 0041). Every core code maps here and nowhere else.
 */
export class LogtoError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data?: unknown,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "LogtoError";
  }
}

interface Mapping {
  status?: number;
  code: string;
  /** Logto's sentence; `details` is appended where Logto interpolates it. */
  message: string;
  withDetails?: boolean;
}

const INVALID_INPUT: Mapping = { code: "request.invalid_input", message: "Input is invalid.", withDetails: true };
const NOT_FOUND: Mapping = { code: "entity.not_found", message: "The resource does not exist.", withDetails: true };
const RATE_LIMITED: Mapping = { code: "request.rate_limited", message: "Too many requests. Please try again later.", withDetails: true };
const UNIQUE: Mapping = {
  code: "entity.unique_integrity_violation",
  message: "The entity already exists. Please check the input and try again.",
};
const GENERAL: Mapping = { code: "request.general", message: "Request error occurred." };

const MAPPINGS: Partial<Record<ErrorCode, Mapping>> = {
  validation_failed: { code: "guard.invalid_input", message: "The request body is invalid." },
  malformed_request: { code: "guard.invalid_input", message: "The request body is invalid.", withDetails: true },
  unsupported_media_type: { status: 400, code: "guard.invalid_input", message: "The request body is invalid.", withDetails: true },
  payload_too_large: { code: "guard.invalid_input", message: "The request body is too large." },
  unauthorized: { code: "auth.unauthorized", message: "Unauthorized. Please check credentials and its scope." },
  forbidden: { code: "auth.forbidden", message: "Forbidden. Please check your user roles and permissions." },
  route_not_found: NOT_FOUND,
  organization_not_found: NOT_FOUND,
  invitation_not_found: NOT_FOUND,
  user_not_found: NOT_FOUND,
  role_not_found: NOT_FOUND,
  member_not_found: NOT_FOUND,
  api_key_not_found: NOT_FOUND,
  method_not_allowed: NOT_FOUND,
  duplicate_pending_invitation: { status: 422, ...UNIQUE },
  invitee_already_member: { status: 422, ...INVALID_INPUT },
  invitation_not_pending: { status: 422, ...INVALID_INPUT },
  invitation_pending: { status: 422, ...INVALID_INPUT },
  invitation_expired: { status: 422, ...INVALID_INPUT },
  invitee_email_mismatch: { status: 422, ...INVALID_INPUT },
  member_already_exists: { status: 422, ...INVALID_INPUT },
  idempotency_key_reused: { status: 422, ...INVALID_INPUT },
  user_already_exists: { status: 422, code: "user.email_already_in_use", message: "This email is associated with an existing account." },
  role_already_exists: { status: 422, ...UNIQUE },
  request_limit_exceeded: RATE_LIMITED,
  creation_limit_exceeded: RATE_LIMITED,
  pending_limit_exceeded: RATE_LIMITED,
  member_limit_exceeded: RATE_LIMITED,
  token_attempts_exceeded: RATE_LIMITED,
  send_limit_exceeded: {
    code: "request.message_rate_limited",
    message: "Too many messages sent to this recipient. Please try again later.",
  },
  email_sender_not_configured: { code: "connector.not_found", message: "Cannot find any available connector for type: Email." },
};

/** Codes that name a missing referenced entity: Logto answers 422 where they are foreign keys. */
const RELATION_CODES: ReadonlySet<ErrorCode> = new Set(["organization_not_found", "role_not_found", "user_not_found"]);

export function fromAppError(error: AppError, context = "body"): LogtoError {
  const mapping = MAPPINGS[error.code] ?? (error.status >= 500 ? GENERAL : { ...INVALID_INPUT });
  const status = mapping.status ?? error.status;
  if (mapping === GENERAL) return new LogtoError(status, mapping.code, "An internal error occurred.", undefined, error.retryAfter);
  if (mapping.code === "guard.invalid_input" && error.code === "validation_failed") {
    const issues = error.errors ?? [{ path: "", message: error.detail }];
    // Framework paths name the part (`/querystring/page`); the message names it already.
    return guardError(
      context,
      issues.map((issue) => ({ ...issue, path: issue.path.replace(`/${context}/`, "/") })),
    );
  }
  const message =
    mapping.withDetails && error.detail !== mapping.message ? `${mapping.message} ${sentence(error.detail)}` : mapping.message;
  return new LogtoError(status, mapping.code, message, detailsOf(error, mapping.code), error.retryAfter);
}

/** `guard.invalid_input` naming the part of the request (body, query, params) and each issue. */
export function guardError(context: string, issues: FieldError[]): LogtoError {
  const part = context === "querystring" ? "query" : context;
  return new LogtoError(400, "guard.invalid_input", `The request ${part} is invalid.`, {
    issues: issues.map((issue) => ({ path: issue.path, message: issue.message })),
  });
}

export function invalidInput(status: 400 | 422, details: string): LogtoError {
  return new LogtoError(status, "request.invalid_input", `Input is invalid. ${details}`);
}

/** Missing organizations, roles or users referenced by a request body answer 422 (foreign keys). */
export async function asRelationErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isAppError(error) && RELATION_CODES.has(error.code)) {
      throw new LogtoError(
        422,
        "entity.relation_foreign_key_not_found",
        "Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist.",
        { details: error.detail },
      );
    }
    throw error;
  }
}

export function sendLogtoError(reply: FastifyReply, error: LogtoError) {
  if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
  const body = { code: error.code, message: error.message, ...(error.data !== undefined && { data: error.data }) };
  return reply.code(error.status).type("application/json; charset=utf-8").serializer(JSON.stringify).send(body);
}

export function logtoErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const context = (error as { validationContext?: string } | null)?.validationContext ?? "body";
  const logto = error instanceof LogtoError ? error : fromAppError(toAppError(error), context);
  if (logto.code === GENERAL.code) request.log.error({ err: error }, "request failed");
  return sendLogtoError(reply, logto);
}

export function logtoNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = redactUrl(request.url.split("?")[0] ?? "");
  return sendLogtoError(reply, new LogtoError(404, NOT_FOUND.code, `${NOT_FOUND.message} No route ${request.method} ${path}.`));
}

/** The core's own sentence, for callers that want more than Logto's fixed message. */
function detailsOf(error: AppError, code: string): { details: string; issues?: FieldError[] } | undefined {
  // A code added to the core after this mapping has no entry here yet: treat it as untitled.
  const title = (ERROR_CODES as Partial<Record<string, { title: string }>>)[error.code]?.title;
  if (code.startsWith("auth.") || error.detail === title) return undefined;
  return { details: error.detail, ...(error.errors && { issues: error.errors }) };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
