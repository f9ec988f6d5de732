import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { pageHeadersHook } from "./security-headers.js";

/**
 * The console's files are plain ES modules kept in `src/web/console/` and served as they are
 * (ADR 0061). This module sits two folders below the project root both as `src/web/*.ts` and as
 * the compiled `dist/web/*.js`, so the same relative URL finds the folder from either layout.
 */
export const CONSOLE_DIR = fileURLToPath(new URL("../../src/web/console/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Captured emails are previewed in a sandboxed frame and carry inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const HIDDEN = { schema: { hide: true } };

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** Reads the console's files once, keyed by their path under `/console/`. */
export function loadConsoleFiles(dir: string = CONSOLE_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const type = TYPES[path.extname(name)];
      if (!type) continue;
      const body = readFileSync(full);
      const key = path.relative(dir, full).split(path.sep).join("/");
      files.set(key, { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` });
    }
  };
  walk(dir);
  return files;
}

/** `/console` (the app shell) and its static files; only files known at start are served. */
export async function consolePages(app: FastifyInstance): Promise<void> {
  const files = loadConsoleFiles();
  if (files.size === 0) app.log.warn({ dir: CONSOLE_DIR }, "the admin console's files were not found; /console is unavailable");
  app.addHook("onSend", pageHeadersHook({ contentSecurityPolicy: CONSOLE_CSP, cacheControl: "no-cache" }));

  const serve = async (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const file = files.get(name);
    if (!file) return reply.code(404).type("text/plain; charset=utf-8").send("Not found");
    reply.header("etag", file.etag);
    if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  // The shell answers at `/console` and `/console/`; its modules use absolute `/console/…` URLs.
  app.get("/", HIDDEN, async (request, reply) => serve("index.html", request, reply));
  app.get("/*", HIDDEN, async (request, reply) => serve((request.params as { "*"?: string })["*"] ?? "", request, reply));
}
