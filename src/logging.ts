import type { LoggerOptions } from "pino";

/** Query parameters and path segments that carry credentials or invitation tokens. */
const SECRET_PARAMS = /([?&](?:token|apisecret|apikey|api_key|secret|client_secret|access_token|key)=)[^&#]*/gi;
/**
 * Invitation tokens are 43 base64url characters; ids are at most 21. A path segment may list
 * several tokens separated by commas (Elastic's delete), plain or percent-encoded, with spaces.
 */
const LONG_SEGMENT = /(^|\/|,|=|%[0-9A-Fa-f]{2})[A-Za-z0-9_-]{32,}(?=$|[/?,&#]|%[0-9A-Fa-f]{2})/g;

/** Field names whose values are credentials, redacted at the top level and one level down. */
const SECRET_FIELDS = ["token", "apisecret", "secret", "key", "client_secret", "access_token", "password", "smtpUrl"];

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, "$1[REDACTED]").replace(LONG_SEGMENT, "$1[REDACTED]");
}

export interface SerializableRequest {
  method: string;
  url: string;
  ip?: string;
  routeOptions?: { url?: string };
}

/**
 * pino settings shared by the server and the tests that check them: credentials and tokens
 * never reach a log line (ADR 0003).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-loginradius-apisecret"]',
        "headers.authorization",
        ...SECRET_FIELDS,
        ...SECRET_FIELDS.map((field) => `*.${field}`),
      ],
      censor: "[REDACTED]",
    },
    serializers: {
      req(request: SerializableRequest) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
