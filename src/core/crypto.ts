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

  /** Opened values by the key of their sealed text (`textKey`); entries with the same key are chained. */
  private readonly opened = new Map<number, Opened>();
  private openedCount = 0;

  /**
   * Decrypts through a bounded cache keyed by the ciphertext (a new token has a new ciphertext,
   * so an entry is never stale): listing pending invitations shows each one's link, and a
   * cipher object per row would cost more than the rest of the row.
   */
  decryptCached(sealed: string): string {
    const key = textKey(sealed);
    for (let entry = this.opened.get(key); entry !== undefined; entry = entry.next) {
      if (entry.sealed === sealed) return entry.plain;
    }
    const plain = this.decrypt(sealed);
    this.keep(key, sealed, plain);
    return plain;
  }

  /**
   * `decryptCached` of the sealed value written as ASCII in `source` from `start` to `end`
   * (a column as the database sent it): a value opened before is found by its bytes, without
   * making a string of them.
   */
  decryptCachedBytes(source: Uint8Array, start: number, end: number): string {
    const key = bytesKey(source, start, end);
    for (let entry = this.opened.get(key); entry !== undefined; entry = entry.next) {
      if (sameSealed(entry.bytes, source, start, end)) return entry.plain;
    }
    const sealed = Buffer.from(source.buffer, source.byteOffset + start, end - start).toString("latin1");
    const plain = this.decrypt(sealed);
    this.keep(key, sealed, plain);
    return plain;
  }

  private remember(sealed: string, plain: string): void {
    this.keep(textKey(sealed), sealed, plain);
  }

  private keep(key: number, sealed: string, plain: string): void {
    if (this.openedCount >= 20_000) {
      this.opened.clear();
      this.openedCount = 0;
    }
    this.opened.set(key, { sealed, bytes: Buffer.from(sealed, "latin1"), plain, next: this.opened.get(key) });
    this.openedCount += 1;
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("unreadable sealed value");
    const decipher = createDecipheriv("aes-256-gcm", this.encryptionKey, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

/** A value `SecretBox` opened, and the next one kept under the same key. */
interface Opened {
  readonly sealed: string;
  /** `sealed` as bytes, which a row's bytes are compared with faster than with the text. */
  readonly bytes: Uint8Array;
  readonly plain: string;
  readonly next: Opened | undefined;
}

/** Where a sealed value's random IV starts: after `v1.`. */
const IV_AT = 3;
/** IV characters a key is made of: 30 random bits. */
const KEY_CHARACTERS = 5;
/** Keys are 30 bits: small integers, which a map keeps without boxing. */
const KEY_MASK = 0x3fff_ffff;

/**
 * The cache key of a sealed value: its length and first IV characters, which are random (12
 * bytes from the CSPRNG for every value), so keys spread without reading the whole value. A
 * value too short to be sealed still gets one; an entry found under a key is checked against the
 * value (the whole text, or `sameSealed` for bytes).
 */
function textKey(sealed: string): number {
  let key = sealed.length;
  const end = Math.min(sealed.length, IV_AT + KEY_CHARACTERS);
  for (let i = IV_AT; i < end; i++) key = ((key << 6) ^ sealed.charCodeAt(i)) & KEY_MASK;
  return key;
}

/** `textKey` of the ASCII text in `source` from `start` to `end`. */
function bytesKey(source: Uint8Array, start: number, end: number): number {
  let key = end - start;
  const last = Math.min(end, start + IV_AT + KEY_CHARACTERS);
  for (let i = start + IV_AT; i < last; i++) key = ((key << 6) ^ (source[i] as number)) & KEY_MASK;
  return key;
}

/** `v1.`, the IV (16 characters) and `.`, then the tag (22 characters): a sealed value's head. */
const SEALED_HEAD = 42;

/**
 * Whether `bytes` (a sealed value) and the bytes of `source` from `start` to `end` are the same
 * sealed value: the same length, IV and tag. Every value is sealed with a new random IV, and
 * the tag authenticates the ciphertext under the IV, so two values that share both are one
 * (another ciphertext under them would not decrypt at all); the rest is not compared.
 */
function sameSealed(bytes: Uint8Array, source: Uint8Array, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  // From the tag back: values under one key share their first IV characters.
  for (let i = Math.min(bytes.length, SEALED_HEAD) - 1; i >= 0; i--) if (bytes[i] !== source[start + i]) return false;
  return true;
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
