/** Locale matching and formatting for invitation emails (ADR 0052). */

/** Simplified Chinese is what `zh` means in practice; Traditional Chinese is not assumed to read it. */
const SIMPLIFIED_CHINESE = /^zh(-hans)?(-(cn|sg|my))?$/i;
const TRADITIONAL_CHINESE = /^zh-(hant|tw|hk|mo)\b/i;

/**
 * The best of `available` for one requested tag: an exact match (any case), then Simplified
 * Chinese for `zh`/`zh-Hans`/`zh-SG`, then the language alone (`de-AT` → `de`). Null when
 * nothing fits, so the caller moves to its next choice.
 */
export function matchLocale(requested: string, available: readonly string[]): string | null {
  const wanted = requested.trim().toLowerCase();
  if (wanted === "") return null;
  const exact = available.find((tag) => tag.toLowerCase() === wanted);
  if (exact) return exact;
  if (SIMPLIFIED_CHINESE.test(wanted)) return available.find((tag) => tag.toLowerCase() === "zh-cn") ?? null;
  if (TRADITIONAL_CHINESE.test(wanted)) return null;
  const language = wanted.split("-")[0];
  return available.find((tag) => tag.toLowerCase() === language) ?? null;
}

/** The first of the choices (invitation locale, tenant default, `en`) that `available` serves. */
export function resolveLocale(choices: Array<string | null | undefined>, available: readonly string[]): string {
  for (const choice of choices) {
    if (!choice) continue;
    const match = matchLocale(choice, available);
    if (match) return match;
  }
  return "en";
}

interface Formatters {
  date: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
  list: Intl.ListFormat;
}

const formatters = new Map<string, Formatters>();

function formattersFor(locale: string): Formatters {
  let found = formatters.get(locale);
  if (!found) {
    const tag = Intl.DateTimeFormat.supportedLocalesOf([locale])[0] ?? "en";
    found = {
      date: new Intl.DateTimeFormat(tag, { dateStyle: "long", timeZone: "UTC" }),
      time: new Intl.DateTimeFormat(tag, { timeStyle: "short", timeZone: "UTC" }),
      list: new Intl.ListFormat(tag, { style: "long", type: "conjunction" }),
    };
    formatters.set(locale, found);
  }
  return found;
}

/**
 * The expiry's date and time in UTC, each in the locale's own style. The invitee's time zone is
 * unknown, so the text says UTC rather than guess.
 */
export function expiryParts(locale: string, at: number): { date: string; time: string } {
  // Both formats stop at the minute, and invitations made together expire in the same one.
  const key = `${locale} ${Math.floor(at / 60_000)}`;
  let parts = expiries.get(key);
  if (!parts) {
    const f = formattersFor(locale);
    const when = new Date(at);
    parts = { date: f.date.format(when), time: f.time.format(when) };
    if (expiries.size >= 10_000) expiries.clear();
    expiries.set(key, parts);
  }
  return parts;
}

const expiries = new Map<string, { date: string; time: string }>();

/** Role names joined the way the locale joins a list ("A, B, and C", "A, B und C", "A、B和C"). */
export function formatList(locale: string, items: string[]): string {
  return formattersFor(locale).list.format(items);
}
