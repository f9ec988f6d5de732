/** True when the database refused a write because of a unique index, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * The table a write referred to without finding the row (PostgreSQL's foreign-key check), as in
 * a membership inserted while its user is deleted: the row was there when the request checked.
 */
export function missingReference(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== "23503" || typeof detail !== "string") return undefined;
  return /is not present in table "([a-z_]+)"/.exec(detail)?.[1];
}

/**
 * PostgreSQL's answers that the server cannot serve now: connection failures (class 08), a
 * server shutting down, restarting or starting up (57P01–57P03), too many connections (53300),
 * a statement cancelled by the statement timeout or an operator (57014, ADR 0028).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[123]|53300|57014)$/;
/** The socket's failures while connecting to the database or talking to it. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** The pg driver's own errors for a connection that ended or could not be made in time. */
const DRIVER_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

/**
 * True when the database could not be reached or is not serving (a restart, a failover, a
 * network fault), rather than refusing the statement: the request may succeed if tried again.
 * SQLite's file stays locked past the busy timeout only under another process's long write.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (UNAVAILABLE_STATE.test(code) || NETWORK_CODES.has(code) || code.startsWith("SQLITE_BUSY"))) {
    return true;
  }
  return typeof code !== "string" && typeof message === "string" && DRIVER_MESSAGES.test(message);
}
