import { withQuery } from "../api.js";
import { append, errorText, field, h, pageHeader, replace, statusLine, table } from "../dom.js";
import { actorLabel, formatDate, timeCell } from "../format.js";
import { cursorPager } from "../pager.js";

const PAGE_SIZE = 25;
const EVENT_TYPES = [
  "invitation.created",
  "invitation.resent",
  "invitation.accepted",
  "invitation.declined",
  "invitation.revoked",
  "invitation.deleted",
  "invitation.email_sent",
  "invitation.email_failed",
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "member.added",
  "member.removed",
  "member.roles_updated",
  "role.created",
  "role.deleted",
  "user.created",
  "user.deleted",
  "api_key.created",
  "api_key.revoked",
  "settings.updated",
  "tenant.created",
];

function subjects(event, orgName) {
  const parts = [];
  if (event.organizationId)
    parts.push(h("span", { class: "subject" }, "Organization ", orgName.get(event.organizationId) ?? event.organizationId));
  if (event.invitationId) parts.push(h("span", { class: "subject" }, "Invitation ", h("code", {}, event.invitationId)));
  if (event.userId) parts.push(h("span", { class: "subject" }, "User ", h("code", {}, event.userId)));
  return parts.length ? parts : h("span", { class: "muted" }, "—");
}

/** Epoch-millisecond fields (`expiresAt`) read as dates; strings as they are; the rest as JSON. */
function showValue(key, value) {
  if (typeof value === "number" && key.endsWith("At")) return formatDate(new Date(value).toISOString());
  return typeof value === "string" ? value : JSON.stringify(value);
}

function details(data) {
  const entries = Object.entries(data ?? {});
  if (entries.length === 0) return h("span", { class: "muted" }, "—");
  return h(
    "ul",
    { class: "data" },
    entries.map(([key, value]) => h("li", {}, h("span", { class: "data-key" }, key), " ", showValue(key, value))),
  );
}

/** The audit trail, newest first, filtered by type, organization or invitation. */
export async function renderAudit(view, session, params) {
  const status = statusLine();
  const organizations = await session.organizations().catch(() => []);
  const orgName = new Map(organizations.map((o) => [o.id, o.name]));
  const type = h("input", { type: "text", name: "type", list: "event-types", autocomplete: "off", value: params.get("type") ?? "" });
  const types = h(
    "datalist",
    { id: "event-types" },
    EVENT_TYPES.map((t) => h("option", { value: t })),
  );
  const orgSelect = h(
    "select",
    { name: "organizationId" },
    h("option", { value: "" }, "All organizations"),
    organizations.map((o) => h("option", { value: o.id }, o.name)),
  );
  const invitation = h("input", { type: "text", name: "invitationId", autocomplete: "off", value: params.get("invitationId") ?? "" });
  const listArea = h("div", { "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "button secondary" }, "Newer");
  const next = h("button", { type: "button", class: "button secondary" }, "Older");
  const pager = cursorPager({ prev, next, load: () => load() });

  const load = async () => {
    try {
      const page = await session.api.get(
        withQuery("/v1/events", {
          type: type.value.trim(),
          organizationId: orgSelect.value,
          invitationId: invitation.value.trim(),
          limit: PAGE_SIZE,
          cursor: pager.cursor,
        }),
      );
      pager.loaded(page.nextCursor);
      status.clear();
      replace(
        listArea,
        table({
          caption: "Audit trail",
          columns: ["Time", "Event", "Actor", "Subjects", "Details"],
          rows: page.data.map((e) => [
            timeCell(e.createdAt),
            h("code", { class: "event-type" }, e.type),
            actorLabel(e.actor),
            subjects(e, orgName),
            details(e.data),
          ]),
          empty: "No events match these filters.",
        }),
      );
    } catch (error) {
      status.show(errorText(error), "error");
    }
  };
  const restart = () => pager.restart();
  orgSelect.addEventListener("change", restart);

  const filters = h(
    "form",
    {
      role: "search",
      class: "filters",
      "aria-label": "Filter events",
      onsubmit: (event) => {
        event.preventDefault();
        void restart();
      },
    },
    field({ label: "Event type", control: type }).element,
    types,
    field({ label: "Organization", control: orgSelect }).element,
    field({ label: "Invitation ID", control: invitation }).element,
    h("button", { type: "submit", class: "button secondary" }, "Filter"),
  );

  append(
    view,
    pageHeader("Audit trail", "Every change to invitations, organizations, keys and settings, newest first."),
    filters,
    status.element,
    listArea,
    h("nav", { class: "pager", "aria-label": "Event pages" }, prev, next),
  );
  await load();
}
