import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppError, ErrorCode, FieldError } from "../../../core/errors.js";
import { toAppError } from "../../framework-errors.js";

/**
 * The one place where Usher's error codes become Elastic Cloud's `BasicFailedReply` (ADR 0030):
 * `{"errors": [{code, message, fields?}]}` plus the `x-cloud-error-codes` header.
 */
interface Mapping {
  status: number;
  code: string;
}

const INVALID_DATA: Mapping = { status: 400, code: "root.invalid_data" };
const INVALID_AUTH: Mapping = { status: 403, code: "root.invalid_authentication" };
const INVITATION_NOT_FOUND: Mapping = { status: 404, code: "organization.invitation_not_found" };
const ALREADY_MEMBER: Mapping = { status: 400, code: "organization.user_organization_already_belongs" };
const CREATION_LIMIT: Mapping = { status: 429, code: "organization.invitations_rate_limit_exceeded" };
const REQUEST_LIMIT: Mapping = { status: 429, code: "root.rate_limit_exceeded" };
const INVALID_EMAIL_CODE = "organization.invitation_invalid_email";

const BY_CODE = {
  validation_failed: INVALID_DATA,
  malformed_request: INVALID_DATA,
  role_not_found: INVALID_DATA,
  unauthorized: INVALID_AUTH,
  invitee_email_mismatch: INVALID_AUTH,
  forbidden: { status: 403, code: "root.unauthorized" },
  route_not_found: { status: 404, code: "root.resource_not_found" },
  method_not_allowed: { status: 404, code: "root.resource_not_found" },
  organization_not_found: { status: 404, code: "organization.not_found" },
  user_not_found: { status: 404, code: "user.not_found" },
  inviter_not_member: { status: 404, code: "organization.user_organization_does_not_belong" },
  invitation_not_found: INVITATION_NOT_FOUND,
  invitation_not_pending: INVITATION_NOT_FOUND,
  invitation_expired: INVITATION_NOT_FOUND,
  duplicate_pending_invitation: { status: 400, code: "organization.invitation_already_exists" },
  invitee_already_member: ALREADY_MEMBER,
  member_already_exists: ALREADY_MEMBER,
  payload_too_large: { status: 413, code: "root.payload_too_large" },
  unsupported_media_type: { status: 415, code: "root.unsupported_media_type" },
  creation_limit_exceeded: CREATION_LIMIT,
  pending_limit_exceeded: CREATION_LIMIT,
  send_limit_exceeded: CREATION_LIMIT,
  request_limit_exceeded: REQUEST_LIMIT,
  token_attempts_exceeded: REQUEST_LIMIT,
  member_limit_exceeded: { status: 429, code: "organization.members_limit_exceeded" },
  internal_error: { status: 500, code: "root.unexpected_error" },
  service_unavailable: { status: 503, code: "root.service_unavailable" },
} as const satisfies Partial<Record<ErrorCode, Mapping>>;

/** The seed's sentences for its codes, and plain ones for the codes this dialect adds. */
const MESSAGES: Record<string, string> = {
  [INVALID_EMAIL_CODE]: "Invitation email was not valid.",
  "organization.invitation_already_exists": "Invitation already sent.",
  "organization.user_organization_already_belongs": "User already belongs to organization.",
  "root.invalid_authentication": "The current user authentication is not valid.",
  "organization.not_found": "Organization not found.",
  "user.not_found": "User not found.",
  "organization.user_organization_does_not_belong": "Invitation sender does not belong to organization.",
  "organization.invitations_rate_limit_exceeded": "Request exceeds organization invitation creation rate limits.",
  "organization.invitation_not_found": "Invitation not found.",
  "root.unexpected_error": "An unexpected error occurred.",
};

export interface FailedReplyElement {
  code: string;
  message: string;
  fields?: string[];
}

function mappingOf(code: ErrorCode, status: number): Mapping {
  const known: Mapping | undefined = (BY_CODE as Partial<Record<ErrorCode, Mapping>>)[code];
  if (known) return known;
  return status >= 500 ? BY_CODE.internal_error : { status, code: INVALID_DATA.code };
}

/** `/emails/3` → `emails[3]`; `/role_assignments/organization/0/role_id` → `role_assignments.organization[0].role_id`. */
export function fieldName(pointer: string): string {
  return pointer
    .split("/")
    .filter((part) => part.length > 0)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), "");
}

function elementOf(errorCode: ErrorCode, status: number, field: FieldError): FailedReplyElement {
  const name = fieldName(field.path);
  const itemCode = field.code ?? errorCode;
  const code = itemCode === "validation_failed" && /^emails\[\d+\]$/.test(name) ? INVALID_EMAIL_CODE : mappingOf(itemCode, status).code;
  const message = MESSAGES[code] ?? `${name || "request body"}: ${field.message}`;
  return { code, message, ...(name && { fields: [name] }) };
}

/** Status and elements for an AppError: one element per failing field, or one for the error. */
export function failedReply(error: AppError): { status: number; errors: FailedReplyElement[] } {
  const { status, code } = mappingOf(error.code, error.status);
  const fields = status === 429 || status >= 500 ? [] : (error.errors ?? []);
  const elements = fields.map((field) => elementOf(error.code, error.status, field));
  const unique = elements.filter(
    (element, i) => elements.findIndex((other) => other.code === element.code && other.fields?.[0] === element.fields?.[0]) === i,
  );
  if (unique.length > 0) return { status, errors: unique };
  return { status, errors: [{ code, message: MESSAGES[code] ?? (status >= 500 ? "The service is unavailable." : error.detail) }] };
}

export function sendFailure(reply: FastifyReply, error: AppError) {
  const { status, errors } = failedReply(error);
  if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
  return reply
    .code(status)
    .header("x-cloud-error-codes", [...new Set(errors.map((e) => e.code))].join(","))
    .type("application/json; charset=utf-8")
    .serializer(JSON.stringify)
    .send({ errors });
}

/** Everything thrown under the prefix, framework errors included, becomes a BasicFailedReply. */
export function elasticErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, "request failed");
  return sendFailure(reply, appError);
}
