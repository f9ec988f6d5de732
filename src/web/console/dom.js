/**
 * DOM helpers. Everything is built with createElement and text nodes: no markup strings, so data
 * from the API can never become HTML in the console.
 */

/** Properties that must be set on the element, not as attributes. */
const PROPERTIES = new Set(["value", "checked", "selected", "indeterminate"]);

/**
 * Creates an element. `props`: attributes; `on*` functions become listeners; `class`, `dataset`.
 * Children: strings, numbers, nodes, arrays; null, undefined and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children (same kinds as `h`) and returns the parent. */
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, ...children);
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled form field. The hint and the error are tied to the control with aria-describedby;
 * `setError` marks it invalid and says why.
 */
export function field({ label, control, hint, wide = false }) {
  const id = control.id || uid("f");
  control.id = id;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const described = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  const wrapper = h(
    "div",
    { class: wide ? "field wide" : "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    error,
  );
  return {
    element: wrapper,
    control,
    setError(message) {
      error.textContent = message ?? "";
      error.hidden = !message;
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

/** A status line that screen readers announce; `tone` is "ok", "error" or "info". */
export function statusLine() {
  const el = h("p", { class: "status", role: "status", hidden: true });
  return {
    element: el,
    show(text, tone = "info") {
      el.className = `status ${tone}`;
      el.textContent = text;
      el.hidden = !text;
    },
    clear() {
      el.textContent = "";
      el.hidden = true;
    },
  };
}

/** Announces a short message to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A new text node in a later task is announced even when the text repeats.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** A table in a scrollable, keyboard-reachable region; rows turn into cards on narrow screens. */
export function table({ caption, columns, rows, empty }) {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      columns.map((c) => h("th", { scope: "col" }, c)),
    ),
  );
  const body = h(
    "tbody",
    {},
    rows.map((cells) =>
      h(
        "tr",
        {},
        cells.map((cell, i) => h("td", { "data-label": columns[i] }, cell)),
      ),
    ),
  );
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", {}, h("caption", { class: "visually-hidden" }, caption), head, body),
  );
}

/**
 * A modal confirmation built on <dialog>: focus moves into it and returns afterwards; Escape
 * cancels. Resolves true when confirmed.
 */
export function confirmDialog({ title, body, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = uid("dialog-title");
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": titleId },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: titleId }, title),
        h("p", {}, body),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", value: "cancel", class: "button secondary", autofocus: true }, "Cancel"),
          h("button", { type: "submit", value: "confirm", class: danger ? "button danger" : "button primary" }, confirmLabel),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      const confirmed = dialog.returnValue === "confirm";
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(confirmed);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The heading block of a view; the h1 takes focus after navigation so screen readers hear it. */
export function pageHeader(title, lead) {
  return h("div", { class: "page-header" }, h("h1", { tabindex: "-1" }, title), lead ? h("p", { class: "lead" }, lead) : null);
}

/** Text for an ApiError (or any error) shown to a person. */
export function errorText(error) {
  if (error?.status === 403) return `This API key is not allowed to do that. ${error.message}`;
  return error?.message || "Something went wrong.";
}
