import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Usher } from "../../../container.js";
import { type AccessTokens, MANAGEMENT_API_SCOPE } from "./access-token.js";
import { OAuthError } from "./oidc-errors.js";

interface ClientCredentials {
  id: string;
  secret: string;
  viaBasic: boolean;
}

/**
 * `POST /oidc/token`: the OAuth 2.0 client credentials grant Logto's management clients use.
 * The client is an Usher API key (`client_id` = key id, `client_secret` = its secret), by HTTP
 * Basic or form fields; the answer is a one-hour access token for the Logto dialect.
 */
export function tokenRoute(app: FastifyInstance, usher: Usher, tokens: AccessTokens): void {
  app.post("/token", async (request, reply) => {
    const params = readForm(request);
    const grantType = params.get("grant_type");
    if (!grantType) throw new OAuthError("invalid_request", "missing required parameter 'grant_type'");
    if (grantType !== "client_credentials") {
      throw new OAuthError("unsupported_grant_type", "only the client_credentials grant is supported");
    }
    const client = readClient(request, params);
    const auth = client.id.includes(".") ? null : await usher.apiKeys.authenticate(`${client.id}.${client.secret}`);
    if (!auth) throw new OAuthError("invalid_client", "client authentication failed", client.viaBasic);

    const resource = params.get("resource");
    if (resource !== undefined && !isManagementApi(resource)) {
      throw new OAuthError("invalid_target", "the resource must be a Logto Management API indicator such as https://default.logto.app/api");
    }
    const scope = params.get("scope");
    const asked = scope?.split(" ").filter((s) => s !== "") ?? [];
    if (asked.some((s) => s !== MANAGEMENT_API_SCOPE)) {
      throw new OAuthError("invalid_scope", `the only scope of the Management API is '${MANAGEMENT_API_SCOPE}'`);
    }
    const issued = await tokens.issue(auth.keyId, resource ?? `${usher.config.publicUrl}/api`);
    return reply
      .header("cache-control", "no-store")
      .header("pragma", "no-cache")
      .send({ access_token: issued.token, token_type: "Bearer", expires_in: issued.expiresIn, scope: MANAGEMENT_API_SCOPE });
  });
}

/** The form parameters; each at most once (RFC 6749 §3.2). */
function readForm(request: FastifyRequest): Map<string, string> {
  const type = (request.headers["content-type"] ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded") || typeof request.body !== "object" || request.body === null) {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(request.body)) {
    if (typeof value !== "string") throw new OAuthError("invalid_request", `parameter '${name}' must be given once`);
    if (value !== "") params.set(name, value);
  }
  return params;
}

/** HTTP Basic (`client_secret_basic`) or form fields (`client_secret_post`), not both. */
function readClient(request: FastifyRequest, params: Map<string, string>): ClientCredentials {
  const header = request.headers.authorization;
  if (header !== undefined && /^basic /i.test(header)) {
    if (params.has("client_secret")) throw new OAuthError("invalid_request", "use one client authentication method, not two");
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const id = colon > 0 ? formDecode(decoded.slice(0, colon)) : null;
    const secret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : null;
    const formId = params.get("client_id");
    if (!id || !secret || (formId !== undefined && formId !== id)) {
      throw new OAuthError("invalid_client", "client authentication failed", true);
    }
    return { id, secret, viaBasic: true };
  }
  const id = params.get("client_id");
  const secret = params.get("client_secret");
  if (!id || !secret) throw new OAuthError("invalid_client", "client authentication failed: send client_id and client_secret");
  return { id, secret, viaBasic: false };
}

/** Basic credentials are form-encoded before base64 (RFC 6749 §2.3.1). */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** `https://<tenant>.logto.app/api`, or a self-hosted instance's `<origin>/api`. */
export function isManagementApi(resource: string): boolean {
  try {
    const url = new URL(resource);
    return (
      (url.protocol === "https:" || url.protocol === "http:") && /^\/api\/?$/.test(url.pathname) && url.search === "" && url.hash === ""
    );
  } catch {
    return false;
  }
}
