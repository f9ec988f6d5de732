import { randomBytes, randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export type IdPrefix = "ten" | "org" | "inv" | "role" | "usr" | "key" | "evt" | "msg" | "mail";

/**
 * Short, prefixed, URL-safe ids of at most 21 characters (the Logto dialect's limit):
 * the prefix, an underscore and 16 base62 characters (~95 bits).
 */
export function newId(prefix: IdPrefix): string {
  const bytes = takeRandom(16);
  let out = `${prefix}_`;
  for (let i = 0; i < 16; i++) out += ALPHABET[(bytes[i] ?? 0) % 62];
  return out;
}

/** CSPRNG bytes drawn from a pooled buffer: one system call per 4 KiB instead of per id. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

export function takeRandom(size: number): Buffer {
  if (size > pool.length) return randomBytes(size);
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}

/** Returns a function producing ids; tests pass their own. */
export type IdGenerator = (prefix: IdPrefix) => string;
