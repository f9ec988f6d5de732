import { withQuery } from "../api.js";
import { append, errorText, field, h, pageHeader, replace, statusLine } from "../dom.js";
import { timeCell } from "../format.js";

/** One captured message: the plain text, and the HTML in a sandboxed frame that runs nothing. */
function messageItem(message) {
  return h(
    "details",
    { class: "message" },
    h(
      "summary",
      {},
      h("span", { class: "message-subject" }, message.subject),
      h("span", { class: "message-meta" }, "To ", message.to, " · ", timeCell(message.createdAt)),
    ),
    h(
      "div",
      { class: "message-body" },
      h("h3", {}, "Plain text"),
      h("pre", { class: "message-text", tabindex: "0" }, message.text),
      message.html
        ? [
            h("h3", {}, "HTML"),
            h("iframe", {
              class: "message-html",
              sandbox: "",
              srcdoc: message.html,
              title: `HTML version of “${message.subject}”`,
              loading: "lazy",
            }),
          ]
        : null,
    ),
  );
}

/** The capture transport's mailbox: what Usher would have sent when no SMTP server is set. */
export async function renderMailbox(view, session) {
  const status = statusLine();
  const to = h("input", { type: "search", name: "to", autocomplete: "off" });
  const list = h("div", { class: "messages" });

  const load = async () => {
    try {
      const answer = await session.api.get(withQuery("/v1/mailbox", { to: to.value.trim(), limit: 50 }));
      status.clear();
      replace(
        list,
        answer.data.length === 0
          ? h("p", { class: "empty" }, "No captured messages yet.")
          : h(
              "ul",
              { class: "message-list" },
              answer.data.map((m) => h("li", {}, messageItem(m))),
            ),
      );
    } catch (error) {
      status.show(errorText(error), "error");
    }
  };

  const filters = h(
    "form",
    {
      role: "search",
      class: "filters",
      "aria-label": "Filter messages",
      onsubmit: (event) => {
        event.preventDefault();
        void load();
      },
    },
    field({ label: "Recipient", control: to }).element,
    h("button", { type: "submit", class: "button secondary" }, "Show messages"),
  );

  append(
    view,
    pageHeader("Mailbox", "Emails captured by the built-in capture transport, newest first. Open one to read it."),
    filters,
    status.element,
    list,
  );
  await load();
}
