import { escapeHtml } from "../email/render.js";

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses?: Record<string, unknown>;
}

/** A readable, self-contained reference page rendered from the OpenAPI document. */
export function renderDocsPage(spec: unknown): string {
  const doc = spec as { info?: { title?: string; version?: string }; paths?: Record<string, Record<string, OpenApiOperation>> };
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).map(
        (p) => `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ", required" : ""})</li>`,
      );
      const body = op.requestBody?.content?.["application/json"]?.schema;
      sections.push(`<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
${op.summary ? `<p>${escapeHtml(op.summary)}</p>` : ""}
${params.length ? `<p>Parameters</p><ul>${params.join("")}</ul>` : ""}
${body ? `<details><summary>Request body schema</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ""}
<p>Responses: ${
        Object.keys(op.responses ?? {})
          .map(escapeHtml)
          .join(", ") || "see problem codes"
      }</p></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info?.title ?? "API")} reference</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700;color:#0b5cad}pre{background:#f5f5f5;padding:.75rem;overflow:auto}</style>
</head><body><h1>${escapeHtml(doc.info?.title ?? "API")} ${escapeHtml(doc.info?.version ?? "")}</h1>
<p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>${sections.join("\n")}</body></html>`;
}
