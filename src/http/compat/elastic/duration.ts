import { validationError } from "../../../core/errors.js";

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 } as const;
const DURATION = /^(\d{1,12})([smhdw])$/;

/** Elastic Cloud's default invitation lifetime. */
export const DEFAULT_EXPIRES_IN_SECONDS = 3 * 86_400;

/**
 * `expires_in` as seconds: a positive whole number and a unit (`"3d"`, `"72h"`). Absent, the
 * vendor's default of three days, shortened to the tenant's maximum if that is lower (ADR 0030).
 * The maximum itself is the core's rule: a longer lifetime is refused there.
 */
export function readExpiresIn(value: string | undefined, maxSeconds: number): number {
  if (value === undefined) return Math.min(DEFAULT_EXPIRES_IN_SECONDS, maxSeconds);
  const match = DURATION.exec(value);
  const amount = Number(match?.[1] ?? 0);
  const unit = match?.[2] as keyof typeof UNIT_SECONDS | undefined;
  if (!unit || amount < 1) {
    throw validationError("/expires_in", "must be a positive whole number followed by s, m, h, d or w, such as 3d or 72h");
  }
  return amount * UNIT_SECONDS[unit];
}
