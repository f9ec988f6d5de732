import { createHash } from "node:crypto";
import { type Html, html, raw } from "../html.js";

/**
 * The accept pages' only stylesheet, inlined so a page is one request; the Content-Security-Policy
 * allows exactly this text by its hash, and nothing else (no script at all).
 */
const STYLES = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--line:#d1d5db;--accent:#1d4ed8;--accent-hover:#1e40af;--on-accent:#fff;--focus:#b45309;--ok:#047857;--warn:#b45309;--info:#1d4ed8}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#1a1d23;--text:#f3f4f6;--muted:#b6bcc6;--line:#3a3f48;--accent:#8ab4ff;--accent-hover:#a8c7ff;--on-accent:#0b1220;--focus:#fbbf24;--ok:#6ee7b7;--warn:#fcd34d;--info:#8ab4ff}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;background:var(--bg);color:var(--text);font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP","Noto Sans CJK SC","Hiragino Sans","PingFang SC","Microsoft YaHei",sans-serif}
header{width:100%;max-width:36rem;padding:1.5rem 1.25rem 0;font-weight:600;color:var(--muted)}
main{width:100%;max-width:36rem;padding:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:2rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.icon{width:2.5rem;height:2.5rem;margin-bottom:.75rem}
.ok .icon{color:var(--ok)}.warn .icon{color:var(--warn)}.info .icon{color:var(--info)}
.eyebrow{margin:0;color:var(--muted);font-size:.875rem;font-weight:600;letter-spacing:.02em}
h1{margin:.25rem 0 .75rem;font-size:1.75rem;line-height:1.25;overflow-wrap:anywhere}
p{margin:.75rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.625rem 1.25rem;margin:1.5rem 0;padding:1.25rem 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
.sub{display:block;color:var(--muted);font-size:.9rem}
form{margin:0}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
.button{display:inline-flex;align-items:center;justify-content:center;min-height:2.75rem;padding:.625rem 1.25rem;border-radius:10px;border:2px solid var(--accent);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.primary{background:var(--accent);color:var(--on-accent)}
.primary:hover{background:var(--accent-hover);border-color:var(--accent-hover)}
.secondary{background:transparent;color:var(--accent)}
.secondary:hover{background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:3px}
.note{margin-top:1.5rem;color:var(--muted);font-size:.9rem}
@media (max-width:30rem){
main{padding:.75rem}
.card{padding:1.5rem 1.25rem}
h1{font-size:1.5rem}
dl{grid-template-columns:1fr;gap:0}
dd{margin-bottom:.75rem}
.actions .button{flex:1 1 100%}
}
`.trim();

export const STYLE_HASH = `sha256-${createHash("sha256").update(STYLES).digest("base64")}`;

/** No script, no frames, no plugins; forms post only back to Usher; the one inline stylesheet by hash. */
export const ACCEPT_CSP = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const ICONS = {
  ok: '<path d="M20 6 9 17l-5-5"/>',
  warn: '<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5"/><path d="M12 16.2v.3"/>',
  info: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>',
} as const;

export type Tone = keyof typeof ICONS;

export function icon(tone: Tone): Html {
  return raw(
    `<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${ICONS[tone]}</svg>`,
  );
}

export interface PageShell {
  lang: string;
  title: string;
  brandName: string | null;
  tone: Tone;
  body: Html;
  /** Seconds and URL of an automatic redirect (after acceptance). */
  refresh?: { seconds: number; url: string };
}

export function renderPage(page: PageShell): string {
  const title = page.brandName ? `${page.title} · ${page.brandName}` : page.title;
  return html`<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<meta name="referrer" content="no-referrer">
${page.refresh ? html`<meta http-equiv="refresh" content="${page.refresh.seconds};url=${page.refresh.url}">` : ""}
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${raw(STYLES)}</style>
</head>
<body>
${page.brandName ? html`<header>${page.brandName}</header>` : ""}
<main>
<div class="card ${page.tone}">
${page.body}
</div>
</main>
</body>
</html>
`.value;
}
