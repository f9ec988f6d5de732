import { hkdfSync, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import type { Clock } from "../../../core/clock.js";

/** Access tokens last one hour, as Logto's Management API tokens do. */
export const ACCESS_TOKEN_SECONDS = 3600;
export const MANAGEMENT_API_SCOPE = "all";
const TOKEN_TYPE = "at+jwt";

/**
 * Access tokens of the Logto dialect (ADR 0040): JWTs signed with HS256 under a key derived
 * from the server secret. A token names the API key it was issued to (`sub`); the key is
 * looked up again on every use, so revoking the key ends its tokens.
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    serverSecret: string,
    private readonly issuer: string,
    private readonly clock: Clock,
  ) {
    this.key = new Uint8Array(hkdfSync("sha256", Buffer.from(serverSecret, "utf8"), "usher", "logto-access-token", 32));
  }

  async issue(keyId: string, audience: string): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock.now() / 1000);
    const token = await new SignJWT({ client_id: keyId, scope: MANAGEMENT_API_SCOPE })
      .setProtectedHeader({ alg: "HS256", typ: TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setSubject(keyId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_SECONDS)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresIn: ACCESS_TOKEN_SECONDS };
  }

  /** The API key id a valid, unexpired token was issued to; null for anything else. */
  async verify(token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: this.issuer,
        typ: TOKEN_TYPE,
        currentDate: new Date(this.clock.now()),
      });
      return typeof payload.sub === "string" ? payload.sub : null;
    } catch {
      return null;
    }
  }
}

/** A JWT has three dot-separated parts; an API key (`<key id>.<secret>`) has two. */
export function looksLikeJwt(credential: string): boolean {
  return credential.split(".").length === 3;
}
