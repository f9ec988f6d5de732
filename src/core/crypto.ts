import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { takeRandom } from "./ids.js";

/**
 * Token and secret handling (ADR 0003). One server key (`USHER_SECRET`) derives two keys:
 * one for the keyed lookup hash of invitation tokens, one for their encryption at rest.
 */
export class SecretBox {
  private readonly hashKey: Buffer;
  private readonly encryptionKey: Buffer;
  /** Names the secret without revealing it, so that a database can tell which one it was set up with. */
  readonly fingerprint: string;

  constructor(serverSecret: string) {
    const ikm = Buffer.from(serverSecret, "utf8");
    this.hashKey = Buffer.from(hkdfSync("sha256", ikm, "usher", "token-lookup", 32));
    this.encryptionKey = Buffer.from(hkdfSync("sha256", ikm, "usher", "token-encryption", 32));
    this.fingerprint = Buffer.from(hkdfSync("sha256", ikm, "usher", "secret-fingerprint", 32)).toString("base64url");
  }

  /** Keyed hash used to look a token up; deterministic, so it can carry a unique index. */
  lookupHash(token: string): string {
    return createHmac("sha256", this.hashKey).update(token).digest("base64url");
  }

  /**
   * AES-256-GCM; output is `v1.<iv>.<tag>.<ciphertext>` in base64url. The pair is remembered,
   * so the email and the lists that show a new token soon after do not decrypt it again.
   */
  encrypt(plain: string): string {
    const sealed = this.seal(plain);
    this.remember(sealed, plain);
    return sealed;
  }

  /** As `encrypt`, without remembering the pair: for values read once, and large ones. */
  seal(plain: string): string {
    const iv = takeRandom(12);
    const cipher = createCipheriv("aes-256-gcm", this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1.${iv.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}.${body.toString("base64url")}`;
  }

  private readonly opened = new Map<string, string>();

  /**
   * Decrypts through a bounded cache keyed by the ciphertext (a new token has a new ciphertext,
   * so an entry is never stale): listing pending invitations shows each one's link, and a
   * cipher object per row would cost more than the rest of the row.
   */
  decryptCached(sealed: string): string {
    let plain = this.opened.get(sealed);
    if (plain === undefined) {
      plain = this.decrypt(sealed);
      this.remember(sealed, plain);
    }
    return plain;
  }

  private remember(sealed: string, plain: string): void {
    if (this.opened.size >= 20_000) this.opened.clear();
    this.opened.set(sealed, plain);
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("unreadable sealed value");
    const decipher = createDecipheriv("aes-256-gcm", this.encryptionKey, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

/** 256 bits from the CSPRNG, base64url (43 characters). */
export function newToken(): string {
  return takeRandom(32).toString("base64url");
}

/** API key secrets are high-entropy random strings, so a plain SHA-256 is a sufficient hash. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}
