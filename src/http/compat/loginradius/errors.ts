import type { FastifyReply } from "fastify";
import { type AppError, ERROR_CODES, type ErrorCode } from "../../../core/errors.js";

/** LoginRadius's error envelope, on every error of the dialect, whatever the status. */
export interface LoginRadiusError {
  ErrorCode: number;
  Message: string;
  Description: string;
}

export interface RenderedError {
  status: number;
  body: LoginRadiusError;
}

/** The answers whose texts LoginRadius documents (the seed and its sibling pages), verbatim. */
export const DOCUMENTED = {
  postBodyInvalid: { ErrorCode: 7914, Message: "Post body is invalid", Description: "Please use a valid post body in JSON format." },
  accessUnauthorized: {
    ErrorCode: 6002,
    Message: "Access Unauthorized",
    Description: "Access Unauthorized, please use valid authorization to access this endpoint.",
  },
  organizationNotFound: {
    ErrorCode: 8118,
    Message: "Organization not found",
    Description: "The entered organization or its configuration does not exist.",
  },
  invitationNotFound: {
    ErrorCode: 8169,
    Message: "Invitation not found",
    Description: "Invitation not found, Please provide valid invitation id.",
  },
  alreadyMember: {
    ErrorCode: 8170,
    Message: "User already exist in an organization",
    Description: "User already exist in an organization, Please provide correct email id.",
  },
  internalError: {
    ErrorCode: 7909,
    Message: "Operation failed due to an internal error.",
    Description: "An unknown internal error occurred, please try again in a few minutes or contact your system administrator.",
  },
  invitationIdRequired: {
    ErrorCode: 908,
    Message: "A parameter is not formatted correctly",
    Description: "The invitation id is required.",
  },
} as const satisfies Record<string, LoginRadiusError>;

const INVALID_PARAMETER = { ErrorCode: 908, Message: "A parameter is not formatted correctly" } as const;

/** Core field names as LoginRadius callers know them. */
const PARAMETER_NAMES = new Map([
  ["organizationId", "orgId"],
  ["inviterUserId", "inviterUid"],
  ["redirectUrl", "invitation_url"],
]);

type Render = (error: AppError) => RenderedError;

const fixed =
  (status: number, body: LoginRadiusError): Render =>
  () => ({ status, body });

/** 400 / 908 naming one parameter. */
function invalidParameter(parameter: string, reason: string, required = false): RenderedError {
  const Description = required ? `The ${parameter} parameter is required.` : `The ${parameter} parameter is not valid: ${sentence(reason)}`;
  return { status: 400, body: { ...INVALID_PARAMETER, Description } };
}

/** A schema or core validation failure: the whole body (7914) or one named parameter (908). */
const validation: Render = (error) => {
  const first = error.errors?.[0];
  const path = first?.path ?? "";
  // The only path parameter is the invitation id, and the router hands it over empty only.
  if (path.startsWith("/params/")) return { status: 400, body: DOCUMENTED.invitationIdRequired };
  const name = path
    .replace(/^\/querystring/, "")
    .split("/")
    .find((segment) => segment !== "");
  if (!first || name === undefined) return { status: 400, body: DOCUMENTED.postBodyInvalid };
  const required = first.message.startsWith("must have required property");
  return invalidParameter(PARAMETER_NAMES.get(name) ?? name, first.message, required);
};

/** 429 / 1101; the Description names the limit that was reached. */
const tooManyRequests: Render = (error) => ({
  status: 429,
  body: {
    ErrorCode: 1101,
    Message: "Too many requests",
    Description: `The ${error.limit ?? "request"} limit was reached: ${sentence(error.detail)}`,
  },
});

/**
 * Codes LoginRadius has no number for: the HTTP status is the ErrorCode, with Usher's own
 * title and detail (ADR 0021).
 */
const generic: Render = (error) => ({
  status: error.status,
  body: { ErrorCode: error.status, Message: ERROR_CODES[error.code].title, Description: capitalize(sentence(error.detail)) },
});

/** Every core error code, mapped once (ADR 0021). */
const MAPPING: Record<ErrorCode, Render> = {
  validation_failed: validation,
  malformed_request: fixed(400, DOCUMENTED.postBodyInvalid),
  unsupported_media_type: fixed(400, DOCUMENTED.postBodyInvalid),
  payload_too_large: fixed(413, { ...DOCUMENTED.postBodyInvalid, Description: "The post body is larger than the server accepts." }),
  unauthorized: fixed(401, DOCUMENTED.accessUnauthorized),
  forbidden: (error) => ({
    status: 403,
    body: { ...DOCUMENTED.accessUnauthorized, Description: `Access Unauthorized, ${sentence(error.detail)}` },
  }),
  organization_not_found: fixed(404, DOCUMENTED.organizationNotFound),
  invitation_not_found: fixed(404, DOCUMENTED.invitationNotFound),
  invitee_already_member: fixed(409, DOCUMENTED.alreadyMember),
  // In this dialect the only user looked up is the inviter, and roles come from `roleIds`.
  user_not_found: (error) => invalidParameter("inviterUid", error.detail),
  role_not_found: (error) => invalidParameter("roleIds", error.detail),
  route_not_found: fixed(404, {
    ErrorCode: 404,
    Message: "Not Found",
    Description: "The API endpoint is not correct, please check the method and the path.",
  }),
  request_limit_exceeded: tooManyRequests,
  creation_limit_exceeded: tooManyRequests,
  pending_limit_exceeded: tooManyRequests,
  member_limit_exceeded: tooManyRequests,
  send_limit_exceeded: tooManyRequests,
  token_attempts_exceeded: tooManyRequests,
  internal_error: fixed(500, DOCUMENTED.internalError),
  service_unavailable: fixed(503, DOCUMENTED.internalError),
  invitation_not_pending: generic,
  invitation_expired: generic,
  duplicate_pending_invitation: generic,
  method_not_allowed: generic,
  member_not_found: generic,
  api_key_not_found: generic,
  invitation_pending: generic,
  invitee_email_mismatch: generic,
  member_already_exists: generic,
  user_already_exists: generic,
  role_already_exists: generic,
  idempotency_key_reused: generic,
  email_sender_not_configured: generic,
  inviter_not_member: (error) => invalidParameter("inviterUid", error.detail),
};

export function renderError(error: AppError): RenderedError {
  return MAPPING[error.code](error);
}

export function sendLoginRadiusError(reply: FastifyReply, error: AppError) {
  const { status, body } = renderError(error);
  if (status === 429 && error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
  return reply.code(status).type("application/json; charset=utf-8").serializer(JSON.stringify).send(body);
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
