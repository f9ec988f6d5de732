export const PAGE_LOCALES = ["en", "de", "fr", "es", "ja", "zh-CN"] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];

const TRADITIONAL_CHINESE = /^zh-(hant|tw|hk|mo)(-|$)/;
const LANGUAGE_RANGE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * Maps a BCP 47 tag to a page locale: exact or by primary language (`de-AT` → `de`).
 * Chinese maps to Simplified Chinese unless the tag asks for Traditional script or a region that
 * writes it, which then falls through to the next candidate.
 */
export function matchLocale(tag: string | null | undefined): PageLocale | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase().replace(/_/g, "-");
  if (lower === "") return null;
  if (lower === "zh" || lower.startsWith("zh-")) return TRADITIONAL_CHINESE.test(lower) ? null : "zh-CN";
  const primary = lower.split("-")[0];
  return PAGE_LOCALES.find((locale) => locale === primary) ?? null;
}

/** The language ranges of an `Accept-Language` header, most wanted first; `q=0`, `*` and garbage dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const ranges = header
    .slice(0, 1000)
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => LANGUAGE_RANGE.test(r.tag) && r.weight > 0);
  ranges.sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranges.map((r) => r.tag);
}

export interface LocaleSources {
  invitationLocale?: string | null;
  acceptLanguage?: string | undefined;
  tenantLocale?: string | null;
}

/** The invitation's locale, then the browser's preferences, then the tenant's default, then English. */
export function chooseLocale(sources: LocaleSources): PageLocale {
  const candidates = [sources.invitationLocale, ...parseAcceptLanguage(sources.acceptLanguage), sources.tenantLocale];
  for (const candidate of candidates) {
    const match = matchLocale(candidate);
    if (match) return match;
  }
  return "en";
}
