import type { FastifyError } from "fastify";
import { AppError, type ErrorCode, type FieldError } from "../core/errors.js";
import { isDatabaseUnavailable, missingReference } from "../db/errors.js";

/** What a request answers when a row it referred to was deleted concurrently, by table. */
const MISSING = new Map<string, [ErrorCode, string]>([
  ["users", ["user_not_found", "the user"]],
  ["organizations", ["organization_not_found", "the organization"]],
  ["roles", ["role_not_found", "a role"]],
  ["memberships", ["member_not_found", "the membership"]],
  ["invitations", ["invitation_not_found", "the invitation"]],
]);

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * Turns anything thrown at the HTTP edge into an AppError, so every dialect renders from the
 * same closed list: framework failures (bad JSON, body too large, wrong content type, schema
 * validation) become 4xx codes, a database out of reach service_unavailable (503); anything
 * unknown is internal_error.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(e.validation)) {
    const errors = e.validation.map((issue) => fieldError(issue, e.validationContext));
    return new AppError("validation_failed", {
      detail: errors.map((f) => `${f.path || "/"}: ${f.message}`).join("; "),
      errors,
    });
  }
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("payload_too_large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AppError("unsupported_media_type", { detail: "send the body as application/json" });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("malformed_request", { detail: "the body is empty; send a JSON object" });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError("malformed_request", { detail: "the body is not valid JSON" });
    case "FST_ERR_BAD_URL":
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new AppError("malformed_request", { detail: "the URL is not valid" });
    default:
      break;
  }
  // PostgreSQL refuses NUL and invalid byte sequences in text (SQLite stores them): whatever
  // field carried one, it is the caller's input, not a server fault.
  if (e.code === "22021" || e.code === "22P05" || e.code === "22P02") {
    return new AppError("validation_failed", { detail: "the request contains characters that cannot be stored (such as NUL)" });
  }
  const missing = MISSING.get(missingReference(error) ?? "");
  if (missing) return new AppError(missing[0], { detail: `${missing[1]} no longer exists: it was deleted while this request ran` });
  if (error instanceof SyntaxError || e.statusCode === 400) {
    return new AppError("malformed_request", { detail: "the body is not valid JSON" });
  }
  if (typeof e.statusCode === "number" && e.statusCode === 413) return new AppError("payload_too_large");
  if (typeof e.statusCode === "number" && e.statusCode === 415) return new AppError("unsupported_media_type");
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError("malformed_request", { detail: "the request could not be read" });
  }
  // Not the caller's fault nor a bug: the database did not answer, and the request may succeed
  // if sent again.
  if (isDatabaseUnavailable(error)) {
    return new AppError("service_unavailable", { detail: "the database cannot be reached; try again later", retryAfter: 1 });
  }
  return new AppError("internal_error", { detail: "An internal error occurred." });
}

function fieldError(issue: AjvIssue, context: string | undefined): FieldError {
  let path = issue.instancePath;
  if (issue.keyword === "required" && typeof issue.params.missingProperty === "string") {
    path = `${path}/${issue.params.missingProperty}`;
  } else if (issue.keyword === "additionalProperties" && typeof issue.params.additionalProperty === "string") {
    path = `${path}/${issue.params.additionalProperty}`;
    return { path: prefix(context, path), message: "is not a known field" };
  }
  return { path: prefix(context, path), message: issue.message ?? "is not valid" };
}

function prefix(context: string | undefined, path: string): string {
  return context && context !== "body" ? `/${context}${path}` : path;
}
