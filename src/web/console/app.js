import { createApi } from "./api.js";
import { append, h, replace } from "./dom.js";
import { renderAudit } from "./views/audit.js";
import { renderInvitations } from "./views/invitations.js";
import { renderInvite } from "./views/invite.js";
import { renderMailbox } from "./views/mailbox.js";
import { renderOrganizations } from "./views/organizations.js";
import { renderSettings } from "./views/settings.js";
import { renderSignIn } from "./views/sign-in.js";

/** The key lives in sessionStorage only: it is gone when the tab closes (ADR 0061). */
const KEY_STORAGE = "usher.console.apiKey";

const ROUTES = [
  { path: "invitations", label: "Invitations", render: renderInvitations },
  { path: "invite", label: "Invite", render: renderInvite },
  { path: "organizations", label: "Organizations", render: renderOrganizations },
  { path: "mailbox", label: "Mailbox", render: renderMailbox },
  { path: "audit", label: "Audit trail", render: renderAudit },
  { path: "settings", label: "Settings", render: renderSettings },
];

const root = document.getElementById("app");

async function loadAll(api, path) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 10; page += 1) {
    const answer = await api.get(`${path}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...answer.data);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** What every view gets: the API client and cached lookups of organizations and roles. */
function createSession(key) {
  const api = createApi(key, () => signOut("Your API key is no longer accepted. Sign in again."));
  let organizations = null;
  let roles = null;
  return {
    api,
    organizations() {
      organizations ??= loadAll(api, "/v1/organizations").catch((error) => {
        organizations = null;
        throw error;
      });
      return organizations;
    },
    forgetOrganizations() {
      organizations = null;
    },
    roles() {
      roles ??= api
        .get("/v1/roles")
        .then((answer) => answer.data)
        .catch((error) => {
          roles = null;
          throw error;
        });
      return roles;
    },
    navigate(hash) {
      location.hash = hash;
    },
  };
}

function currentRoute() {
  const hash = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
  const [path = "", query = ""] = hash.split("?");
  const route = ROUTES.find((r) => r.path === path) ?? ROUTES[0];
  return { route, params: new URLSearchParams(query) };
}

let session = null;
let main = null;
let nav = null;

async function showRoute({ focus = true } = {}) {
  if (!session || !main || !nav) return;
  const { route, params } = currentRoute();
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.path === route.path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${route.label} · Usher console`;
  const view = h("div", { class: "view" });
  replace(main, view);
  try {
    await route.render(view, session, params);
  } catch (error) {
    append(view, h("p", { class: "status error", role: "alert" }, error?.message || "This page could not be loaded."));
  }
  if (focus) view.querySelector("h1")?.focus();
}

function showShell(key) {
  session = createSession(key);
  main = h("main", { id: "main", tabindex: "-1" });
  nav = h(
    "nav",
    { "aria-label": "Console" },
    h(
      "ul",
      {},
      ROUTES.map((r) => h("li", {}, h("a", { href: `#/${r.path}`, dataset: { path: r.path } }, r.label))),
    ),
  );
  const brand = h("span", { class: "brand-name" });
  const skip = h(
    "a",
    {
      class: "skip-link",
      href: "#main",
      onclick: (event) => {
        event.preventDefault();
        main?.focus();
      },
    },
    "Skip to content",
  );
  const signOutButton = h("button", { type: "button", class: "button ghost", onclick: () => signOut() }, "Sign out");
  replace(
    root,
    skip,
    h(
      "header",
      { class: "topbar" },
      h("div", { class: "brand" }, "Usher", h("span", { class: "brand-sub" }, "console"), brand),
      nav,
      signOutButton,
    ),
    main,
  );
  session.api
    .get("/v1/settings")
    .then((settings) => {
      if (settings.brandName) brand.textContent = settings.brandName;
    })
    .catch(() => {});
  return showRoute({ focus: false });
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  session = null;
  main = null;
  nav = null;
  showSignIn(message);
}

function showSignIn(message) {
  document.title = "Sign in · Usher console";
  renderSignIn(root, {
    message,
    async verify(key) {
      await createApi(key).get("/v1/settings");
    },
    onSignedIn(key) {
      sessionStorage.setItem(KEY_STORAGE, key);
      void showShell(key).then(() => main?.querySelector("h1")?.focus());
    },
  });
}

window.addEventListener("hashchange", () => {
  if (location.hash.startsWith("#/")) void showRoute();
});

const stored = sessionStorage.getItem(KEY_STORAGE);
if (stored) void showShell(stored);
else showSignIn();
