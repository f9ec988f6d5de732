import { withQuery } from "../api.js";
import { announce, append, confirmDialog, errorText, field, h, pageHeader, replace, statusLine, table } from "../dom.js";
import { deliveryCell, statusBadge, timeCell } from "../format.js";
import { cursorPager } from "../pager.js";

const PAGE_SIZE = 20;
const STATUSES = ["pending", "accepted", "declined", "revoked", "expired"];

/** Copies text; where the Clipboard API is refused, the link is shown selected for manual copying. */
async function copyText(text, fallbackArea) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const input = h("input", { type: "text", readonly: true, value: text, "aria-label": "Invitation link", class: "copy-fallback" });
    replace(fallbackArea, input);
    input.select();
    input.focus();
    return false;
  }
}

/** Pending: when it expires; ended: when it ended. */
function whenCell(inv) {
  if (inv.status === "pending") return timeCell(inv.expiresAt, true);
  const ended = { accepted: inv.acceptedAt, revoked: inv.revokedAt, declined: inv.declinedAt, expired: inv.expiresAt }[inv.status];
  return h("span", {}, timeCell(ended ?? inv.updatedAt), h("span", { class: "sub" }, inv.status));
}

/** The invitations table: filters, cursor paging, and per-row revoke, resend and copy link. */
export async function renderInvitations(view, session, params) {
  const status = statusLine();
  let organizations = await session.organizations().catch(() => []);
  const wanted = params.get("organizationId");
  if (wanted && !organizations.some((o) => o.id === wanted)) {
    // Created elsewhere since the list was cached.
    session.forgetOrganizations();
    organizations = await session.organizations().catch(() => []);
  }
  const roles = await session.roles().catch(() => []);
  const orgName = new Map(organizations.map((o) => [o.id, o.name]));
  const roleName = new Map(roles.map((r) => [r.id, r.name]));

  const orgSelect = h(
    "select",
    { name: "organizationId" },
    h("option", { value: "" }, "All organizations"),
    organizations.map((o) => h("option", { value: o.id, selected: o.id === params.get("organizationId") }, o.name)),
  );
  const statusSelect = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s, selected: s === params.get("status") }, s[0].toUpperCase() + s.slice(1))),
  );
  const emailInput = h("input", { type: "search", name: "email", autocomplete: "off", value: params.get("email") ?? "" });
  const listArea = h("div", { "aria-live": "polite", "aria-busy": "false" });
  const summary = h("p", { class: "summary" });
  const prev = h("button", { type: "button", class: "button secondary" }, "Previous page");
  const next = h("button", { type: "button", class: "button secondary" }, "Next page");
  const pager = cursorPager({ prev, next, load: () => load() });

  const actionsFor = (inv) => {
    if (inv.status !== "pending") return h("span", { class: "muted" }, "—");
    const fallback = h("div", {});
    const label = (verb) => h("span", { class: "visually-hidden" }, ` ${verb} ${inv.email}`);
    const copy = h("button", { type: "button", class: "button small secondary" }, "Copy link", label("for"));
    copy.addEventListener("click", async () => {
      if (await copyText(inv.acceptUrl, fallback)) {
        status.show(`Copied the invitation link for ${inv.email}.`, "ok");
        announce("Link copied");
      } else {
        status.show("Copy the selected link with your keyboard or menu.", "info");
      }
    });
    const resend = h("button", { type: "button", class: "button small secondary" }, "Resend", label("to"));
    resend.addEventListener("click", async () => {
      resend.disabled = true;
      try {
        await session.api.post(`/v1/invitations/${encodeURIComponent(inv.id)}/resend`, {});
        status.show(`Sent the invitation to ${inv.email} again.`, "ok");
        await load();
      } catch (error) {
        status.show(errorText(error), "error");
        resend.disabled = false;
      }
    });
    const revoke = h("button", { type: "button", class: "button small danger" }, "Revoke", label("the invitation of"));
    revoke.addEventListener("click", async () => {
      const sure = await confirmDialog({
        title: "Revoke this invitation?",
        body: `${inv.email} will no longer be able to join ${orgName.get(inv.organizationId) ?? inv.organizationId} with this link.`,
        confirmLabel: "Revoke invitation",
        danger: true,
      });
      if (!sure) return;
      try {
        await session.api.post(`/v1/invitations/${encodeURIComponent(inv.id)}/revoke`, {});
        status.show(`Revoked the invitation of ${inv.email}.`, "ok");
        await load();
      } catch (error) {
        status.show(errorText(error), "error");
      }
    });
    return h("div", { class: "row-actions" }, copy, resend, revoke, fallback);
  };

  const load = async () => {
    listArea.setAttribute("aria-busy", "true");
    try {
      const query = {
        organizationId: orgSelect.value,
        status: statusSelect.value,
        email: emailInput.value.trim(),
        limit: PAGE_SIZE,
        cursor: pager.cursor,
        includeTotal: true,
      };
      const page = await session.api.get(withQuery("/v1/invitations", query));
      const first = pager.index * PAGE_SIZE + 1;
      summary.textContent =
        page.total === 0
          ? ""
          : `Showing ${first}–${first + page.data.length - 1} of ${page.total} invitation${page.total === 1 ? "" : "s"}`;
      pager.loaded(page.nextCursor);
      replace(
        listArea,
        table({
          caption: "Invitations",
          columns: ["Email", "Organization", "Roles", "Status", "Delivery", "Expires or ended", "Actions"],
          rows: page.data.map((inv) => [
            h("span", { class: "email" }, inv.email),
            orgName.get(inv.organizationId) ?? inv.organizationId,
            inv.roleIds.length ? inv.roleIds.map((id) => roleName.get(id) ?? id).join(", ") : h("span", { class: "muted" }, "None"),
            statusBadge(inv.status),
            deliveryCell(inv.delivery),
            whenCell(inv),
            actionsFor(inv),
          ]),
          empty: "No invitations match these filters.",
        }),
      );
    } catch (error) {
      status.show(errorText(error), "error");
    } finally {
      listArea.setAttribute("aria-busy", "false");
    }
  };

  const restart = () => {
    status.clear();
    return pager.restart();
  };
  orgSelect.addEventListener("change", restart);
  statusSelect.addEventListener("change", restart);

  const filters = h(
    "form",
    {
      role: "search",
      class: "filters",
      "aria-label": "Filter invitations",
      onsubmit: (event) => {
        event.preventDefault();
        void restart();
      },
    },
    field({ label: "Organization", control: orgSelect }).element,
    field({ label: "Status", control: statusSelect }).element,
    field({ label: "Email address", control: emailInput }).element,
    h("button", { type: "submit", class: "button secondary" }, "Search"),
  );

  append(
    view,
    h(
      "div",
      { class: "header-row" },
      pageHeader("Invitations", "Everyone you invited, newest first."),
      h("a", { class: "button primary", href: "#/invite" }, "Invite people"),
    ),
    filters,
    status.element,
    summary,
    listArea,
    h("nav", { class: "pager", "aria-label": "Invitation pages" }, prev, next),
  );
  await load();
}
