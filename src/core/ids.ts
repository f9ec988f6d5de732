import { randomBytes, randomFillSync } from "node:crypto";

export type IdPrefix = "ten" | "org" | "inv" | "role" | "usr" | "key" | "evt" | "msg" | "mail";

/**
 * Short, prefixed, URL-safe ids of at most 21 characters (the Logto dialect's limit): the
 * prefix, an underscore, then 16 base-36 characters — 9 for the millisecond and 7 for a
 * sequence that starts at a random point each millisecond and counts up within it. Ids made by
 * one process therefore sort in creation order even within a millisecond, so "newest first"
 * (created_at, then id) is exact; lowercase base 36 sorts the same in every collation.
 */
export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  if (now > lastMillisecond) {
    lastMillisecond = now;
    sequence = takeRandom(5).readUIntBE(0, 5) % SEQUENCE_START_RANGE;
  } else {
    sequence += 1;
  }
  return `${prefix}_${lastMillisecond.toString(36).padStart(9, "0")}${sequence.toString(36).padStart(7, "0")}`;
}

/** Starting below half of 36^7 leaves billions of ids for one millisecond. */
const SEQUENCE_START_RANGE = Math.floor(36 ** 7 / 2);
let lastMillisecond = 0;
let sequence = 0;

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
