import { escapeHtml } from "./template.js";
import type { LocaleMessages } from "./templates/messages.js";

/** The three templates of one locale, in the template language of `template.ts`. */
export interface TemplateSet {
  subject: string;
  text: string;
  html: string;
}

const FONT =
  "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans','Hiragino Sans','Microsoft YaHei',sans-serif";

/** Inline styles only: many mail clients drop `<style>` blocks and ignore external CSS. */
const css = {
  body: "margin:0;padding:0;width:100%;background-color:#f3f4f6;",
  preheader: "display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;",
  outer: "background-color:#f3f4f6;",
  outerCell: "padding:32px 12px;",
  card: "width:100%;max-width:560px;background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;",
  heading: `padding:32px 32px 8px 32px;font-family:${FONT};font-size:22px;line-height:30px;font-weight:700;color:#111827;`,
  paragraph: `padding:8px 32px;font-family:${FONT};font-size:16px;line-height:24px;color:#374151;`,
  buttonRow: "padding:20px 32px 20px 32px;",
  buttonCell: "border-radius:6px;background-color:#2563eb;",
  button: `display:inline-block;padding:12px 28px;font-family:${FONT};font-size:16px;line-height:20px;font-weight:700;color:#ffffff;text-decoration:none;border-radius:6px;`,
  small: `padding:4px 32px 8px 32px;font-family:${FONT};font-size:14px;line-height:21px;color:#4b5563;`,
  fallback: `padding:8px 32px 24px 32px;font-family:${FONT};font-size:13px;line-height:20px;color:#6b7280;`,
  link: "color:#2563eb;text-decoration:underline;word-break:break-all;",
  footer: `padding:20px 32px 28px 32px;border-top:1px solid #e5e7eb;font-family:${FONT};font-size:12px;line-height:18px;color:#9ca3af;`,
} as const;

/**
 * Builds a locale's templates from its wording. Message strings are escaped here, once; the
 * variables inside them stay tags and are escaped again at render time with their values.
 */
export function buildTemplateSet(m: LocaleMessages): TemplateSet {
  const h = (template: string) => escapeHtml(template);
  const text = [
    m.heading,
    "",
    m.intro,
    `{{#reminder}}\n${m.reminder}\n{{/reminder}}`,
    m.button,
    "{{link}}",
    "",
    m.expiry,
    "",
    m.ignore,
    "",
    "-- ",
    m.footer,
    "",
  ].join("\n");
  const html = `<!DOCTYPE html>
<html lang="${m.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light only">
<title>${h(m.heading)}</title>
</head>
<body style="${css.body}">
<div style="${css.preheader}">${h(m.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${css.outer}">
<tr><td align="center" style="${css.outerCell}">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" border="0" style="${css.card}">
<tr><td style="${css.heading}">${h(m.heading)}</td></tr>
<tr><td style="${css.paragraph}">${h(m.intro)}</td></tr>
{{#reminder}}<tr><td style="${css.paragraph}">${h(m.reminder)}</td></tr>{{/reminder}}
<tr><td align="left" style="${css.buttonRow}">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
<td align="center" bgcolor="#2563eb" style="${css.buttonCell}"><a href="{{link}}" target="_blank" rel="noopener" style="${css.button}">${h(m.button)}</a></td>
</tr></table>
</td></tr>
<tr><td style="${css.small}">${h(m.expiry)}</td></tr>
<tr><td style="${css.fallback}">${h(m.fallback)}<br><a href="{{link}}" target="_blank" rel="noopener" style="${css.link}">{{link}}</a></td></tr>
<tr><td style="${css.footer}">${h(m.ignore)}<br><br>${h(m.footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { subject: m.subject, text, html };
}
