// Small pieces the views share: status and outcome badges, people (avatar, name, email)
// and a product's free licences.

import { badge, h } from "./dom.js";
import { t } from "./i18n.js";

const STATUS_BADGE = { pending: "warning", approved: "success", denied: "danger" };
const OUTCOME_BADGE = { assigned: "success", alreadyLicensed: "info", notAssigned: "danger" };

export function statusBadge(status) {
  return badge(STATUS_BADGE[status] || "neutral", t(`status.${status}`));
}

export function outcomeBadge(outcome) {
  return badge(OUTCOME_BADGE[outcome] || "warning", t(`outcome.${outcome}`));
}

/** Licences of a product not yet assigned (never below zero). */
export function freeLicences(product) {
  return Math.max((product.totalLicenses ?? 0) - (product.assignedLicenses ?? 0), 0);
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

/** A person's name with their email under it (the email alone when there is no name). */
export function personText(user) {
  return h(
    "span",
    { class: "people__text" },
    h("span", { class: "people__name" }, displayName(user)),
    user.name ? h("span", { class: "people__email" }, user.email) : null,
  );
}
