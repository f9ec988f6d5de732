import { announce, append, errorText, field, h, pageHeader, statusLine } from "../dom.js";
import { LOCALES } from "../format.js";

const DAY = 86_400;

const LIMITS = [
  ["invitationsPerOrganizationPerHour", "Invitations per organization per hour"],
  ["pendingPerOrganization", "Pending invitations per organization"],
  ["membersPerOrganization", "Members per organization"],
  ["requestsPerKeyPerMinute", "Requests per API key per minute"],
  ["failedTokenAttemptsPerAddressPerMinute", "Failed link attempts per address per minute"],
  ["sendsPerRecipientPer10Minutes", "Emails per recipient per 10 minutes"],
];

const days = (seconds) => String(Math.round((seconds / DAY) * 1000) / 1000);

/** Tenant settings: lifetimes, the accept page, language and brand, limits and the SMTP sender. */
export async function renderSettings(view, session) {
  const status = statusLine();
  const settings = await session.api.get("/v1/settings");
  const controls = new Map();
  const fields = new Map();
  const input = (path, props) => {
    const control = h("input", { name: path, autocomplete: "off", ...props });
    controls.set(path, control);
    return control;
  };
  const add = (path, label, control, hint) => {
    const f = field({ label, control, hint });
    fields.set(path, f);
    return f.element;
  };

  const localeSelect = h(
    "select",
    { name: "locale" },
    LOCALES.map(([code, label]) => h("option", { value: code, selected: code === settings.locale }, label)),
  );
  const capture = h("input", { type: "checkbox", name: "captureIsSender", checked: settings.email.captureIsSender });
  const seats = h("input", { type: "checkbox", name: "membersIncludePending", checked: settings.limits.membersIncludePending });
  const smtpInitial = settings.email.smtpUrl ?? "";

  const invitations = h(
    "fieldset",
    { class: "panel form-grid" },
    h("legend", {}, "Invitations"),
    add(
      "/invitationLifetime/defaultSeconds",
      "Default lifetime (days)",
      input("default", {
        type: "number",
        min: "0.001",
        step: "any",
        value: days(settings.invitationLifetime.defaultSeconds),
        required: true,
      }),
    ),
    add(
      "/invitationLifetime/maxSeconds",
      "Longest lifetime allowed (days)",
      input("max", { type: "number", min: "0.001", step: "any", value: days(settings.invitationLifetime.maxSeconds), required: true }),
    ),
    add(
      "/acceptUrl",
      "Accept page URL",
      input("acceptUrl", { type: "url", value: settings.acceptUrl ?? "", placeholder: `${location.origin}/accept` }),
      "Leave empty to use Usher’s own page. The token is added as ?token=…",
    ),
    add("/locale", "Default language", localeSelect),
    add(
      "/brandName",
      "Brand name",
      input("brandName", { type: "text", maxlength: "200", value: settings.brandName ?? "" }),
      "Shown on the invitee’s page and in emails.",
    ),
  );
  const limits = h(
    "fieldset",
    { class: "panel form-grid" },
    h("legend", {}, "Limits"),
    h("p", { class: "hint wide" }, "0 means unlimited."),
    LIMITS.map(([key, label]) =>
      add(
        `/limits/${key}`,
        label,
        input(key, { type: "number", min: "0", step: "1", inputmode: "numeric", value: String(settings.limits[key]) }),
      ),
    ),
    h("label", { class: "check wide" }, seats, "Count pending invitations toward the member limit when inviting"),
  );
  const email = h(
    "fieldset",
    { class: "panel form-grid" },
    h("legend", {}, "Email"),
    h(
      "p",
      { class: "hint wide" },
      settings.email.senderConfigured ? "A sender is configured." : "No SMTP sender is configured: emails go to the Mailbox.",
    ),
    add(
      "/email/smtpUrl",
      "SMTP URL",
      input("smtpUrl", { type: "text", value: smtpInitial, placeholder: "smtp://user:password@mail.example.com:587" }),
      "The password is never shown. Leave the field as it is to keep it; clear it to use the server default.",
    ),
    add(
      "/email/from",
      "From address",
      input("from", { type: "text", value: settings.email.from ?? "", placeholder: "Acme <no-reply@acme.example>" }),
    ),
    h("label", { class: "check wide" }, capture, "Count the capture mailbox as a configured sender"),
  );

  const number = (name) => Number(controls.get(name).value);
  const text = (name) => controls.get(name).value.trim() || null;
  const submit = h("button", { type: "submit", class: "button primary" }, "Save settings");
  const form = h(
    "form",
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        for (const f of fields.values()) f.setError(null);
        const patch = {
          invitationLifetime: { defaultSeconds: Math.round(number("default") * DAY), maxSeconds: Math.round(number("max") * DAY) },
          acceptUrl: text("acceptUrl"),
          locale: localeSelect.value,
          brandName: text("brandName"),
          limits: { ...Object.fromEntries(LIMITS.map(([key]) => [key, number(key)])), membersIncludePending: seats.checked },
          email: {
            from: text("from"),
            captureIsSender: capture.checked,
            // The shown URL has no password: send it only when it was edited.
            ...(controls.get("smtpUrl").value !== smtpInitial && { smtpUrl: text("smtpUrl") }),
          },
        };
        submit.disabled = true;
        try {
          await session.api.patch("/v1/settings", patch);
          status.show("Settings saved.", "ok");
          announce("Settings saved.");
        } catch (error) {
          const wrong = error.errors.map((e) => [fields.get(e.path), e.message]).filter(([f]) => f);
          for (const [f, message] of wrong) f.setError(message);
          status.show(wrong.length ? "Some settings need fixing." : errorText(error), "error");
          if (wrong.length) wrong[0][0].control.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    invitations,
    limits,
    email,
    h("div", { class: "actions" }, submit, status.element),
  );
  append(view, pageHeader("Settings", "Settings of your tenant. Changes apply to new invitations and emails."), form);
}
