import { announce, append, errorText, field, h, pageHeader, replace, statusLine, table } from "../dom.js";
import { LOCALES } from "../format.js";

/** Splits a pasted list on new lines, commas, semicolons and spaces. */
export function parseEmails(text) {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/**
 * Invite one or many: one address uses `POST /v1/invitations`, a list uses the batch route with
 * `atomic: false`, so every address gets its own result.
 */
export async function renderInvite(view, session, params) {
  const status = statusLine();
  const [organizations, roles, settings] = await Promise.all([
    session.organizations().catch(() => []),
    session.roles().catch(() => []),
    session.api.get("/v1/settings").catch(() => null),
  ]);

  const orgSelect = h(
    "select",
    { name: "organizationId", required: true },
    h("option", { value: "" }, "Choose an organization"),
    organizations.map((o) => h("option", { value: o.id, selected: o.id === params.get("organizationId") }, o.name)),
  );
  const orgField = field({
    label: "Organization",
    control: orgSelect,
    hint: organizations.length === 0 ? "Create an organization first, on the Organizations page." : null,
  });
  const emails = h("textarea", { name: "emails", rows: "6", required: true, spellcheck: "false", autocomplete: "off" });
  const emailsField = field({
    label: "Email addresses",
    control: emails,
    hint: "One address, or a list pasted from anywhere: separate them with new lines, commas or spaces. Up to 1,000.",
    wide: true,
  });
  const roleBoxes = roles.map((r) => h("input", { type: "checkbox", name: "roleIds", value: r.id }));
  const rolesSet = h(
    "fieldset",
    { class: "field wide" },
    h("legend", { class: "field-legend" }, "Roles"),
    roles.length === 0
      ? h("p", { class: "hint" }, "No roles are defined for this tenant; people join without a role.")
      : h(
          "div",
          { class: "checks" },
          roles.map((r, i) => h("label", { class: "check" }, roleBoxes[i], r.name)),
        ),
  );
  const defaultDays = settings ? Math.round((settings.invitationLifetime.defaultSeconds / 86_400) * 10) / 10 : 7;
  const days = h("input", {
    type: "number",
    name: "expiresInDays",
    min: "0.1",
    step: "any",
    inputmode: "decimal",
    placeholder: String(defaultDays),
  });
  const daysField = field({ label: "Expires after (days)", control: days, hint: `Leave empty for the default of ${defaultDays} days.` });
  const redirect = h("input", { type: "url", name: "redirectUrl", placeholder: "https://app.example.com/welcome", autocomplete: "off" });
  const redirectField = field({
    label: "After accepting, go to",
    control: redirect,
    hint: "Optional. Where the invitee lands after accepting.",
  });
  const locale = h(
    "select",
    { name: "locale" },
    h("option", { value: "" }, "Tenant default or the invitee’s browser"),
    LOCALES.map(([code, label]) => h("option", { value: code }, label)),
  );
  const sendEmail = h("input", { type: "checkbox", name: "sendEmail", checked: true });
  const results = h("div", {});
  const submit = h("button", { type: "submit", class: "button primary" }, "Send invitations");

  const showResults = (items) => {
    const created = items.filter((i) => i.status === "created").length;
    const failed = items.length - created;
    const text = `${created} invited${failed ? `, ${failed} not invited` : ""}.`;
    status.show(text, failed ? (created ? "info" : "error") : "ok");
    announce(text);
    replace(
      results,
      h("h2", {}, "Results"),
      table({
        caption: "Invitation results",
        columns: ["Email", "Result"],
        rows: items.map((item) => [
          item.email,
          item.status === "created"
            ? h("span", { class: "badge badge-accepted" }, "Invited")
            : h(
                "span",
                {},
                h("span", { class: "badge badge-revoked" }, "Not invited"),
                h("span", { class: "sub" }, item.error?.detail ?? ""),
              ),
        ]),
        empty: "",
      }),
    );
  };

  const form = h(
    "form",
    {
      class: "form-grid",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        for (const f of [orgField, emailsField, daysField, redirectField]) f.setError(null);
        const list = parseEmails(emails.value);
        let invalid = null;
        if (!orgSelect.value) invalid = [orgField, "Choose an organization."];
        else if (list.length === 0) invalid = [emailsField, "Enter at least one email address."];
        else if (list.length > 1000) invalid = [emailsField, "At most 1,000 addresses at once."];
        else if (days.value && !(Number(days.value) > 0)) invalid = [daysField, "Enter a number of days above zero."];
        if (invalid) {
          invalid[0].setError(invalid[1]);
          invalid[0].control.focus();
          return;
        }
        const body = {
          organizationId: orgSelect.value,
          roleIds: roleBoxes.filter((b) => b.checked).map((b) => b.value),
          sendEmail: sendEmail.checked,
          ...(days.value && { expiresIn: Math.max(60, Math.round(Number(days.value) * 86_400)) }),
          ...(redirect.value.trim() && { redirectUrl: redirect.value.trim() }),
          ...(locale.value && { locale: locale.value }),
        };
        submit.disabled = true;
        status.show("Sending…", "info");
        try {
          if (list.length === 1) {
            try {
              await session.api.post("/v1/invitations", { ...body, email: list[0] });
              showResults([{ email: list[0], status: "created" }]);
              emails.value = "";
            } catch (error) {
              if (error.status === 400 && error.errors.some((e) => !e.path.startsWith("/email"))) throw error;
              showResults([{ email: list[0], status: "failed", error: { detail: errorText(error) } }]);
            }
          } else {
            const answer = await session.api.post("/v1/invitations/batch", { ...body, emails: list, atomic: false });
            showResults(answer.results);
            // What was not invited stays in the box, ready to be fixed and sent again.
            emails.value = answer.results
              .filter((r) => r.status !== "created")
              .map((r) => r.email)
              .join("\n");
          }
        } catch (error) {
          const target = error.errors?.[0]?.path?.startsWith("/redirectUrl")
            ? redirectField
            : error.errors?.[0]?.path?.startsWith("/expires")
              ? daysField
              : null;
          if (target) {
            target.setError(error.errors[0].message);
            target.control.focus();
            status.clear();
          } else status.show(errorText(error), "error");
        } finally {
          submit.disabled = false;
        }
      },
    },
    orgField.element,
    field({ label: "Language of the email and page", control: locale }).element,
    emailsField.element,
    rolesSet,
    daysField.element,
    redirectField.element,
    h("label", { class: "check wide" }, sendEmail, "Email the invitation now"),
    h("div", { class: "actions wide" }, submit),
  );

  append(
    view,
    pageHeader("Invite people", "Invite one person or paste a whole list; each address gets its own result."),
    h("section", { class: "panel" }, form),
    status.element,
    results,
  );
}
