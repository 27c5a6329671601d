// Small pieces the views share: status and outcome badges, people (avatar, name, email),
// a product's free licenses, and how far an approval's assignment in Microsoft 365 got.

import { badge, h, messageBar } from "./dom.js";
import { formatDate, formatNumber, t } from "./i18n.js";

const STATUS_BADGE = { pending: "warning", approved: "success", denied: "danger" };
const OUTCOME_BADGE = { assigned: "success", alreadyLicensed: "info", notAssigned: "danger", failed: "danger", waiting: "info" };
const FULFILMENT_INTENT = { pending: "info", done: "success", partial: "warning", failed: "error" };
const FAILURE_CODES = new Set([
  "usage_location_missing",
  "no_licenses_available",
  "conflicting_service_plans",
  "dependent_service_plans",
  "user_not_found",
  "account_disabled",
  "graph_error",
]);

export function statusBadge(status) {
  return badge(STATUS_BADGE[status] || "neutral", t(`status.${status}`));
}

/** A user's outcome; a user still pending in an approved request is being assigned; one
 * on the waitlist says their place (`position`, 1 is next) when it is known. */
export function outcomeBadge(outcome, request = null, position = null) {
  if (outcome === "pending" && request?.status === "approved") return badge("warning", t("outcome.assigning"));
  if (outcome === "waiting") {
    const element = badge("info", position ? t("outcome.waitingAt", { position: formatNumber(position) }) : t("outcome.waiting"));
    element.classList.add("outcome-waiting");
    return element;
  }
  return badge(OUTCOME_BADGE[outcome] || "warning", t(`outcome.${outcome}`));
}

/** Licenses of a product neither assigned nor reserved (never below zero). */
export function freeLicenses(product) {
  return Math.max((product.totalLicenses ?? 0) - (product.assignedLicenses ?? 0) - (product.reservedLicenses ?? 0), 0);
}

function initials(name) {
  const parts = String(name || "?").replace(/@.*/, "").split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts[1]?.[0] || "")).toUpperCase();
}

/** A round avatar with a person's initials, its colour fixed by the name. */
export function avatar(name) {
  let hash = 0;
  for (const c of String(name)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return h("span", { class: `avatar avatar--${hash % 6}`, "aria-hidden": "true" }, initials(name));
}

/** A person's name, or their email when they have none. */
export function displayName(user) {
  return user.name || user.email;
}

/**
 * A person's name with their email under it (the email alone when there is no name), and
 * `more` lines below (why an assignment failed).
 */
export function personText(user, ...more) {
  return h(
    "span",
    { class: "people__text" },
    h("span", { class: "people__name" }, displayName(user)),
    user.name ? h("span", { class: "people__email" }, user.email) : null,
    ...more,
  );
}

/**
 * Why a user's license could not be assigned: a sentence per failure code, and Microsoft
 * 365's own message under it. Nothing for a user who did not fail.
 */
export function failureText(user) {
  if (user.outcome !== "failed" || !user.failure) return null;
  const { code, message } = user.failure;
  return h(
    "span",
    { class: "failure" },
    h("span", { class: "failure__reason" }, t(`failure.${FAILURE_CODES.has(code) ? code : "graph_error"}`)),
    message ? h("span", { class: "failure__message" }, t("failure.details", { message })) : null,
  );
}

/** A message bar saying how far the assignment in Microsoft 365 got (null: not one). */
export function fulfilmentBar(request, ...extra) {
  const fulfilment = request.fulfilment;
  if (!fulfilment) return null;
  const bar = messageBar(
    FULFILMENT_INTENT[fulfilment.status] || "info",
    h("p", { class: "fulfilment__text" }, t(`fulfilment.${fulfilment.status}`)),
    fulfilment.updatedAt ? h("p", { class: "fulfilment__updated" }, t("fulfilment.updated", { date: formatDate(fulfilment.updatedAt) })) : null,
    ...extra,
  );
  bar.id = "fulfilment-status";
  bar.classList.add("fulfilment");
  bar.dataset.status = fulfilment.status;
  bar.setAttribute("tabindex", "-1");
  // The status changes while the pane is open: announce it politely, never as an alarm.
  bar.setAttribute("role", "status");
  return bar;
}

/** A short line for a table cell: how far the assignment in Microsoft 365 got. */
export function fulfilmentShort(request) {
  const fulfilment = request.fulfilment;
  if (!fulfilment) return null;
  return h("span", { class: `cell-sub fulfilment-short fulfilment-short--${fulfilment.status}` }, t(`fulfilment.short.${fulfilment.status}`));
}

/** Whether `request` is approved and Microsoft 365 is still assigning its licenses. */
export function isFulfilling(request) {
  return request.status === "approved" && request.fulfilment?.status === "pending";
}

/** Delays between polls of a request being assigned: every second at first (it usually
 * takes a few), then every 3 s. */
export function pollDelay(round) {
  return [1000, 1000, 1000, 2000][round] ?? 3000;
}

/** How many times a view looks again (about 5 minutes); then navigating refreshes it. */
export const MAX_POLLS = 100;
