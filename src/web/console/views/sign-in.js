import { errorText, field, h, replace } from "../dom.js";

/** The sign-in form: one API key, checked against the API before it is kept. */
export function renderSignIn(root, { message, verify, onSignedIn }) {
  const input = h("input", {
    type: "password",
    name: "apiKey",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "off",
    required: true,
    placeholder: "key_…",
  });
  const keyField = field({
    label: "API key",
    control: input,
    hint: "Kept in this browser tab only and forgotten when you close it.",
  });
  const submit = h("button", { type: "submit", class: "button primary" }, "Sign in");
  const form = h(
    "form",
    {
      class: "signin-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) {
          keyField.setError("Enter an API key.");
          input.focus();
          return;
        }
        submit.disabled = true;
        submit.textContent = "Signing in…";
        try {
          await verify(key);
          onSignedIn(key);
        } catch (error) {
          keyField.setError(error?.status === 401 ? "This API key was not accepted. Check it and try again." : errorText(error));
          input.focus();
        } finally {
          submit.disabled = false;
          submit.textContent = "Sign in";
        }
      },
    },
    keyField.element,
    submit,
  );
  replace(
    root,
    h(
      "main",
      { id: "main", class: "signin" },
      h(
        "div",
        { class: "card" },
        h("p", { class: "brand" }, "Usher", h("span", { class: "brand-sub" }, "console")),
        h("h1", {}, "Sign in"),
        h("p", { class: "lead" }, "Use an API key of your tenant. An admin key can see and change everything here."),
        message ? h("p", { class: "status info", role: "status" }, message) : null,
        form,
      ),
    ),
  );
  input.focus();
}
