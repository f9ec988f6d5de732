import type { FastifyReply, FastifyRequest } from "fastify";

export interface PageHeaders {
  contentSecurityPolicy: string;
  cacheControl: string;
}

/**
 * Headers for every answer of a web page plugin (pages, static files, errors): no framing, no
 * referrer (accept links carry a token), no MIME sniffing, and the page's own CSP and caching.
 */
export function pageHeadersHook(headers: PageHeaders) {
  return async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    reply.header("content-security-policy", headers.contentSecurityPolicy);
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-content-type-options", "nosniff");
    reply.header("cross-origin-opener-policy", "same-origin");
    reply.header("cross-origin-resource-policy", "same-origin");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", headers.cacheControl);
    return payload;
  };
}
