/** 9999-12-31T23:59:59.999Z plus one millisecond. */
const YEAR_10000 = 253_402_300_800_000;
const ZERO = 0x30;

/**
 * Writes `ms` as `Date#toISOString` does (`2026-12-06T20:12:51.790Z`, 24 bytes of ASCII) at
 * `at` without making a Date, and answers where it ended; -1, writing nothing, outside years
 * 1970–9999 or for a non-integer, which the caller formats with the built-in.
 */
export function writeIsoTime(target: Uint8Array, at: number, ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000) return -1;
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // A page's times fall on a few days (created, and expiring some days later): the dates' ten
  // bytes are kept for eight days, each in the slot of its day number's last three bits.
  const slot = days & 7;
  const from = slot * 10;
  if (datesOf[slot] !== days) {
    writeDate(dates, from, days);
    datesOf[slot] = days;
  }
  for (let i = 0; i < 10; i++) target[at + i] = dates[from + i] as number;
  target[at + 10] = 0x54; // T
  pair(target, at + 11, hour);
  target[at + 13] = 0x3a; // :
  pair(target, at + 14, minute);
  target[at + 16] = 0x3a;
  pair(target, at + 17, second);
  target[at + 19] = 0x2e; // .
  const hundreds = Math.floor(milli / 100);
  target[at + 20] = ZERO + hundreds;
  pair(target, at + 21, milli - hundreds * 100);
  target[at + 23] = 0x5a; // Z
  return at + 24;
}

/** The day each slot of `dates` holds, -1 for none. */
const datesOf = new Int32Array(8).fill(-1);
const dates = new Uint8Array(80);

/** `YYYY-MM-DD` of the day `days` after 1970-01-01 (0–2,932,896). */
function writeDate(target: Uint8Array, at: number, days: number): void {
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const century = Math.floor(year / 100);
  pair(target, at, century);
  pair(target, at + 2, year - century * 100);
  target[at + 4] = 0x2d; // -
  pair(target, at + 5, month);
  target[at + 7] = 0x2d;
  pair(target, at + 8, day);
}

/** The two ASCII digits of 0–99, for each of them in turn. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** `value` (0–99) as two decimal digits. */
function pair(target: Uint8Array, at: number, value: number): void {
  target[at] = PAIRS[2 * value] as number;
  target[at + 1] = PAIRS[2 * value + 1] as number;
}

const scratch = Buffer.alloc(24);

/**
 * `new Date(ms).toISOString()` without making a Date, as one string: a page of invitations
 * formats several hundred timestamps. Outside years 1970–9999 (or for a non-integer) it falls
 * back to the built-in, whose format it matches.
 */
export function isoTime(ms: number): string {
  return writeIsoTime(scratch, 0, ms) < 0 ? new Date(ms).toISOString() : scratch.toString("latin1", 0, 24);
}
