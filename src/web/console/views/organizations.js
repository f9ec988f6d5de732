import { withQuery } from "../api.js";
import { announce, append, errorText, field, h, pageHeader, replace, statusLine, table } from "../dom.js";
import { timeCell } from "../format.js";

/** Organizations: create one, list them newest first with "Show more". */
export async function renderOrganizations(view, session) {
  const status = statusLine();
  const name = h("input", { type: "text", name: "name", required: true, maxlength: "200", autocomplete: "off" });
  const nameField = field({ label: "Name", control: name });
  const listArea = h("div", {});
  const more = h("button", { type: "button", class: "button secondary", hidden: true }, "Show more");
  let rows = [];
  let cursor = null;

  const draw = () =>
    replace(
      listArea,
      table({
        caption: "Organizations",
        columns: ["Name", "ID", "Created", "Invitations"],
        rows: rows.map((org) => [
          h("strong", {}, org.name),
          h("code", {}, org.id),
          timeCell(org.createdAt),
          h(
            "a",
            { href: `#/invitations?organizationId=${encodeURIComponent(org.id)}` },
            "View",
            h("span", { class: "visually-hidden" }, ` the invitations of ${org.name}`),
          ),
        ]),
        empty: "No organizations yet. Create the first one above.",
      }),
    );

  const load = async (reset) => {
    try {
      const page = await session.api.get(withQuery("/v1/organizations", { limit: 50, cursor: reset ? null : cursor }));
      // This page saw the newest list; other views reload theirs on next use.
      session.forgetOrganizations();
      rows = reset ? page.data : rows.concat(page.data);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      draw();
    } catch (error) {
      status.show(errorText(error), "error");
    }
  };
  more.addEventListener("click", () => load(false));

  const submit = h("button", { type: "submit", class: "button primary" }, "Create organization");
  const form = h(
    "form",
    {
      class: "inline-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        nameField.setError(null);
        const value = name.value.trim();
        if (!value) {
          nameField.setError("Enter a name.");
          name.focus();
          return;
        }
        submit.disabled = true;
        try {
          const org = await session.api.post("/v1/organizations", { name: value });
          session.forgetOrganizations();
          name.value = "";
          status.show(`Created ${org.name}.`, "ok");
          announce(`Created ${org.name}.`);
          await load(true);
        } catch (error) {
          nameField.setError(errorText(error));
          name.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    nameField.element,
    submit,
  );

  append(
    view,
    pageHeader("Organizations", "Every invitation belongs to an organization of your tenant."),
    h("section", { class: "panel", "aria-labelledby": "new-org" }, h("h2", { id: "new-org" }, "New organization"), form),
    status.element,
    h("section", { class: "panel", "aria-labelledby": "all-orgs" }, h("h2", { id: "all-orgs" }, "All organizations"), listArea, more),
  );
  await load(true);
}
