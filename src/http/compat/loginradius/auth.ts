import type { FastifyRequest } from "fastify";
import type { Usher } from "../../../container.js";
import { authorize } from "../../auth.js";

/**
 * LoginRadius credentials: the API key id in the `apikey` query parameter and its secret in
 * `apisecret`, or in the `X-LoginRadius-apiSecret` header as LoginRadius's SDKs send it. Names
 * are matched without regard to case (the query is lower-cased before this runs); the query
 * parameter wins when both carry a secret.
 */
export function credentialFromRequest(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown>;
  const id = query.apikey;
  const secret = query.apisecret ?? request.headers["x-loginradius-apisecret"];
  if (typeof id !== "string" || typeof secret !== "string" || id === "" || secret === "") return null;
  return `${id}.${secret}`;
}

/** Authenticates the request as the native API does, from LoginRadius's parameters. */
export async function authorizeLoginRadius(usher: Usher, request: FastifyRequest): Promise<void> {
  await authorize(usher, request, credentialFromRequest(request));
}
