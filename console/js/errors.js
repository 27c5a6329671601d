// The one place that turns what the console catches (an ApiError from api.js, or anything
// else thrown) into text for the user.

import { ApiError } from "./api.js";
import { t } from "./i18n.js";

// API problem codes with a text of their own (SPEC §6); any other code shows its detail.
const OWN_TEXT = new Set(["forbidden", "already_decided", "no_users_left", "not_connected", "nothing_to_retry"]);

/** Whether `error` is an API problem with this `code` ("network" when the API was not reached). */
export function hasCode(error, code) {
  return error instanceof ApiError && error.code === code;
}

/** Whether `error` is the API's 404. */
export function isNotFound(error) {
  return error instanceof ApiError && error.status === 404;
}

/**
 * The user text for `error`. `context` fills the placeholders the problem itself lacks
 * (insufficient_licenses names the `product`).
 */
export function errorText(error, context = {}) {
  if (!(error instanceof ApiError)) return t("error.generic", { detail: String(error?.message || error) });
  const code = error.code;
  if (code === "network") return t("error.network");
  if (code === "insufficient_licenses") return t("error.insufficient_licenses", { ...context, ...error.problem });
  if (code === "unknown_user") {
    const users = Array.isArray(error.problem.users) ? error.problem.users : [];
    if (users.length) return t("error.unknown_user", { users: users.join(", ") });
  }
  if (code === "invalid_request" && error.problem.field === "productId" && context.product) {
    // An approval of a product whose Microsoft 365 subscription has ended.
    return t("error.product_unsubscribed", { product: context.product });
  }
  if (code === "directory_unavailable") {
    return error.retryAfter ? t("error.directory_unavailable", { seconds: error.retryAfter }) : t("error.directory_unavailableSoon");
  }
  if (OWN_TEXT.has(code)) return t(`error.${code}`);
  return t("error.generic", { detail: error.problem.detail || error.message });
}
