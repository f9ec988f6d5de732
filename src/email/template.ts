/**
 * The small template language of invitation emails (ADR 0051): `{{name}}` inserts a value,
 * `{{#name}}…{{/name}}` keeps its content when the value is non-empty, `{{^name}}…{{/name}}`
 * when it is empty. Nothing else: no raw output, no expressions, so a tenant's template can
 * neither run code nor skip HTML escaping.
 */

export const TEMPLATE_VARIABLES = ["organization", "inviter", "roles", "link", "expiry", "email", "brand", "reminder"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string | boolean>;

type Node =
  | { kind: "text"; text: string }
  | { kind: "value"; name: TemplateVariable }
  | { kind: "section"; name: TemplateVariable; inverted: boolean; children: Node[] };

export type CompiledTemplate = Node[];

/** A template that does not compile; `message` says where and why, for a 400 answer. */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

const TAG = /\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}/g;
const KNOWN = new Set<string>(TEMPLATE_VARIABLES);

export function compileTemplate(source: string): CompiledTemplate {
  const triple = source.indexOf("{{{");
  if (triple >= 0) throw new TemplateError(`"{{{" at position ${triple} is not supported: values are always inserted escaped`);
  const root: Node[] = [];
  const stack: Array<{ name: TemplateVariable; children: Node[] }> = [];
  let children = root;
  let last = 0;
  for (const match of source.matchAll(TAG)) {
    const at = match.index;
    pushText(children, source.slice(last, at));
    last = at + match[0].length;
    const sigil = match[1] ?? "";
    const name = match[2] ?? "";
    if (sigil === "/") {
      const open = stack.pop();
      if (!open) throw new TemplateError(`{{/${name}}} at position ${at} closes nothing`);
      if (open.name !== name) throw new TemplateError(`{{/${name}}} at position ${at} does not close {{#${open.name}}}`);
      children = stack.at(-1)?.children ?? root;
      continue;
    }
    if (!KNOWN.has(name)) {
      throw new TemplateError(`unknown variable "${name}" at position ${at}; known: ${TEMPLATE_VARIABLES.join(", ")}`);
    }
    const variable = name as TemplateVariable;
    if (sigil === "") {
      children.push({ kind: "value", name: variable });
    } else {
      const section: Node = { kind: "section", name: variable, inverted: sigil === "^", children: [] };
      children.push(section);
      stack.push({ name: variable, children: section.children });
      children = section.children;
    }
  }
  const rest = source.slice(last);
  const stray = rest.indexOf("{{");
  if (stray >= 0) throw new TemplateError(`unclosed "{{" at position ${last + stray}`);
  pushText(children, rest);
  const open = stack.pop();
  if (open) throw new TemplateError(`{{#${open.name}}} is never closed`);
  return root;
}

function pushText(children: Node[], text: string): void {
  if (text === "") return;
  if (text.includes("{{")) throw new TemplateError(`malformed tag near "${text.slice(text.indexOf("{{"), text.indexOf("{{") + 20)}"`);
  children.push({ kind: "text", text });
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders a compiled template; in `html` mode every value is escaped. */
export function renderTemplate(template: CompiledTemplate, values: TemplateValues, mode: "html" | "text"): string {
  let out = "";
  for (const node of template) {
    if (node.kind === "text") {
      out += node.text;
    } else if (node.kind === "value") {
      const value = values[node.name];
      const text = typeof value === "boolean" ? "" : value;
      out += mode === "html" ? escapeHtml(text) : text;
    } else {
      const value = values[node.name];
      const present = value !== false && value !== "";
      if (present !== node.inverted) out += renderTemplate(node.children, values, mode);
    }
  }
  return out;
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 1_000;

/** Compiles once per distinct source (built-in and tenant templates repeat for every message). */
export function compileCached(source: string): CompiledTemplate {
  let compiled = cache.get(source);
  if (!compiled) {
    compiled = compileTemplate(source);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, compiled);
  }
  return compiled;
}
