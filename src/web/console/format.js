import { h } from "./dom.js";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDate(iso) {
  if (!iso) return "—";
  return dateTime.format(new Date(iso));
}

/** "in 6 days", "3 hours ago". */
export function formatRelative(iso, now = Date.now()) {
  const seconds = (Date.parse(iso) - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs >= 86_400) return relative.format(Math.round(seconds / 86_400), "day");
  if (abs >= 3600) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 60), "minute");
}

/** A <time> with the absolute date visible and the relative one beside it. */
export function timeCell(iso, withRelative = false) {
  if (!iso) return "—";
  return h(
    "time",
    { datetime: iso, title: new Date(iso).toISOString() },
    formatDate(iso),
    withRelative ? h("span", { class: "sub" }, formatRelative(iso)) : null,
  );
}

const STATUS_LABELS = {
  pending: "Pending",
  accepted: "Accepted",
  declined: "Declined",
  revoked: "Revoked",
  expired: "Expired",
};

/** A status badge: the word carries the meaning, the colour only repeats it. */
export function statusBadge(status) {
  return h("span", { class: `badge badge-${status}` }, STATUS_LABELS[status] ?? status);
}

export function deliveryCell(delivery) {
  if (!delivery) return h("span", { class: "muted" }, "Not emailed");
  const labels = { queued: "Queued", sent: "Sent", failed: "Failed" };
  const attempts = delivery.attempts > 1 ? ` (${delivery.attempts} attempts)` : "";
  return h(
    "span",
    {},
    h("span", { class: `badge delivery-${delivery.status}` }, labels[delivery.status] ?? delivery.status),
    attempts,
    delivery.lastError ? h("span", { class: "sub" }, delivery.lastError) : null,
  );
}

export function actorLabel(actor) {
  if (!actor) return "—";
  if (actor.type === "api_key") return actor.id ? `API key ${actor.id}` : "API key";
  if (actor.type === "invitee") return "Invitee";
  return "Usher";
}

/** The page locales the invitee's pages and emails support, with their own names. */
export const LOCALES = [
  ["en", "English"],
  ["de", "Deutsch"],
  ["fr", "Français"],
  ["es", "Español"],
  ["ja", "日本語"],
  ["zh-CN", "简体中文"],
];
