import { buildTemplateSet, type TemplateSet } from "../layout.js";
import { de } from "./de.js";
import { en } from "./en.js";
import { es } from "./es.js";
import { fr } from "./fr.js";
import { ja } from "./ja.js";
import type { LocaleMessages } from "./messages.js";
import { zhCN } from "./zh-cn.js";

/** Every locale Usher writes invitation emails in out of the box. */
export const BUILTIN_MESSAGES: Readonly<Record<string, LocaleMessages>> = {
  en,
  de,
  fr,
  es,
  ja,
  "zh-CN": zhCN,
};

export const BUILTIN_LOCALES: readonly string[] = Object.keys(BUILTIN_MESSAGES);

const sets = new Map<string, TemplateSet>();

/** The built-in subject, text and HTML templates of a locale (null when there are none). */
export function builtinTemplates(locale: string): TemplateSet | null {
  const messages = BUILTIN_MESSAGES[locale];
  if (!messages) return null;
  let set = sets.get(locale);
  if (!set) {
    set = buildTemplateSet(messages);
    sets.set(locale, set);
  }
  return set;
}
