/**
 * The closed list of error codes. Every expected failure in Usher is one of these; each dialect
 * maps the same codes to its own envelope. A code's HTTP status lives here and nowhere else.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: "The request is not valid" },
  malformed_request: { status: 400, title: "The request body could not be read" },
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  forbidden: { status: 403, title: "The credentials lack the required scope" },
  route_not_found: { status: 404, title: "No such route" },
  organization_not_found: { status: 404, title: "Organization not found" },
  invitation_not_found: { status: 404, title: "Invitation not found" },
  user_not_found: { status: 404, title: "User not found" },
  role_not_found: { status: 404, title: "Role not found" },
  member_not_found: { status: 404, title: "Membership not found" },
  api_key_not_found: { status: 404, title: "API key not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  duplicate_pending_invitation: { status: 409, title: "A pending invitation already exists for this email" },
  invitee_already_member: { status: 409, title: "The invitee is already a member of the organization" },
  invitation_not_pending: { status: 409, title: "The invitation is no longer pending" },
  invitation_pending: { status: 409, title: "The invitation is still pending" },
  invitee_email_mismatch: { status: 409, title: "The user's email does not match the invitation" },
  member_already_exists: { status: 409, title: "The user is already a member of the organization" },
  user_already_exists: { status: 409, title: "A user with this email already exists" },
  role_already_exists: { status: 409, title: "A role with this name already exists" },
  invitation_expired: { status: 410, title: "The invitation has expired" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "Unsupported content type" },
  idempotency_key_reused: { status: 422, title: "The idempotency key was used with a different request" },
  request_limit_exceeded: { status: 429, title: "Too many requests for this API key" },
  creation_limit_exceeded: { status: 429, title: "Too many invitations created for this organization" },
  pending_limit_exceeded: { status: 429, title: "Too many pending invitations in this organization" },
  member_limit_exceeded: { status: 429, title: "The organization has reached its member limit" },
  send_limit_exceeded: { status: 429, title: "Too many emails sent to this recipient" },
  token_attempts_exceeded: { status: 429, title: "Too many failed token attempts" },
  email_sender_not_configured: { status: 501, title: "No email sender is configured" },
  internal_error: { status: 500, title: "Internal error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
  inviter_not_member: { status: 403, title: "The inviter is not a member of the organization" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** JSON pointer into the request, e.g. `/emails/3`. */
  path: string;
  message: string;
  /** The item's own code when a request carries many items (batch creates). */
  code?: ErrorCode;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  /** Seconds until the caller may try again (429). */
  retryAfter?: number;
  /** Which limit was hit (429), e.g. `sendsPerRecipientPer10Minutes`. */
  limit?: string;
}

/** An expected failure with a code from the closed list. Anything else thrown is a bug. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;
  readonly limit: string | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const { status, title } = ERROR_CODES[code];
    super(options.detail ?? title);
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.detail = options.detail ?? title;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
    this.limit = options.limit;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function validationError(path: string, message: string): AppError {
  return new AppError("validation_failed", { detail: `${path}: ${message}`, errors: [{ path, message }] });
}
