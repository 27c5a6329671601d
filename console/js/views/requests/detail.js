// Admin: the detail pane of one request (R8-R12, X1, X2): who asked, why, and either the
// decision form (pending) or the decision that stands, with how far Microsoft 365 got
// assigning it, why a user's assignment failed, and a retry (X11).

import { clear, focusFirst, h, messageBar } from "../../dom.js";
import { errorText, isNotFound } from "../../errors.js";
import { formatDate, t } from "../../i18n.js";
import { avatar, displayName, failureText, fulfilmentBar, isFulfilling, MAX_POLLS, outcomeBadge, personText, pollDelay, statusBadge } from "../../widgets.js";
import { decisionForm } from "./decision.js";
import { paneShell, showPaneLoading } from "./pane.js";

/**
 * Show request `requestId` in `area`. `reloadList()` refreshes the list beside it after a
 * decision; `notice` (a message bar) is shown at the top and takes focus.
 */
export async function renderDetail(ctx, area, requestId, { reloadList, notice = null }) {
  showPaneLoading(area, t("detail.label"));
  let request;
  let products;
  try {
    [request, products] = await Promise.all([ctx.api.get(`/requests/${encodeURIComponent(requestId)}`), ctx.api.get("/products").then((r) => r.items)]);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    const text = isNotFound(error) ? t("detail.notFound") : errorText(error);
    clear(area).append(paneShell(t("detail.label"), messageBar("error", text)));
    return;
  }
  if (!ctx.isCurrent()) return;
  const alert = h("div", { class: "form-alert", id: "pane-alert", tabindex: "-1" });
  if (notice) alert.append(notice);
  const meta = h(
    "div",
    { class: "pane__meta" },
    h("p", {}, t("detail.requestedBy", { name: request.requester.name, email: request.requester.email })),
    h("p", {}, t("detail.requestedOn", { date: formatDate(request.createdAt) })),
    h("p", {}, statusBadge(request.status)),
  );
  const body = [meta, alert];
  if (request.justification) {
    body.push(h("section", { class: "pane__section" }, h("h3", {}, t("detail.justification")), h("p", { class: "quote" }, request.justification)));
  }
  if (request.status === "pending") {
    // After a decision (or one made elsewhere): the list, then this pane with the decision.
    const onDecided = async (decidedNotice) => {
      await reloadList();
      if (!ctx.isCurrent()) return;
      await renderDetail(ctx, area, request.id, { reloadList, notice: decidedNotice });
    };
    body.push(decisionForm(ctx, request, products, alert, onDecided));
  } else {
    body.push(summaryOf(ctx, request, products, alert));
  }
  clear(area).append(paneShell(request.productName, ...body));
  if (notice) alert.focus();
  else focusFirst(area, "h2");
}

const TOAST_INTENT = { done: "success", partial: "warning", failed: "error" };

// The summary on show: a newer one (a retry, another request) ends the polls of the old.
let shown = null;

/** The decision that stands; while it is being assigned, looked at again every few seconds. */
function summaryOf(ctx, request, products, alert) {
  const summary = decisionSummary(request, products, ctx.user.isAdmin ? () => retry(ctx, request, products, alert) : null);
  shown = summary;
  if (isFulfilling(request)) pollSummary(ctx, summary, request.id, products, alert);
  return summary;
}

async function pollSummary(ctx, summary, requestId, products, alert) {
  for (let round = 0; round < MAX_POLLS; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, pollDelay(round)));
    if (!ctx.isCurrent() || shown !== summary || !summary.isConnected) return;
    let request;
    try {
      request = await ctx.api.get(`/requests/${encodeURIComponent(requestId)}`);
    } catch {
      continue; // a blip: the next round tries again
    }
    if (!ctx.isCurrent() || shown !== summary || !summary.isConnected) return;
    if (!isFulfilling(request)) {
      // "Approved, being assigned" is over: the summary now says what Microsoft 365 did.
      clear(alert);
      summary.replaceWith(summaryOf(ctx, request, products, alert));
      // A new status bar is not announced by itself (a live region speaks changes only).
      const status = request.fulfilment?.status || "done";
      ctx.toast(t(`fulfilment.${status}`), TOAST_INTENT[status] || "success");
      return;
    }
  }
}

/** Assign again what failed: the summary shows the round under way, then its outcome. */
async function retry(ctx, request, products, alert) {
  const button = document.getElementById("retry-fulfilment");
  if (button) button.disabled = true;
  clear(alert);
  try {
    const { data } = await ctx.api.post(`/requests/${encodeURIComponent(request.id)}/retry-fulfilment`);
    const old = shown;
    if (!ctx.isCurrent() || !old?.isConnected) return;
    const next = summaryOf(ctx, data, products, alert);
    old.replaceWith(next);
    ctx.toast(t("fulfilment.retried"));
    next.querySelector("#fulfilment-status")?.focus();
  } catch (error) {
    if (button) button.disabled = false;
    alert.append(messageBar("error", errorText(error)));
    alert.focus();
  }
}

/** The decision, how far Microsoft 365 got, and each user's outcome; `onRetry` (admins)
 * assigns again what failed. */
function decisionSummary(request, products, onRetry) {
  const decision = request.decision;
  const byId = Object.fromEntries(products.map((p) => [p.id, p]));
  const product = decision?.productId ? byId[decision.productId] : null;
  const planNames = Object.fromEntries((product?.servicePlans || []).map((p) => [p.id, p.name]));
  const parts = [];
  if (decision) {
    const rows = [
      [t("detail.decided"), t("detail.decidedBy", { action: t(`detail.action.${decision.action}`), name: decision.decidedBy.name, date: formatDate(decision.decidedAt) })],
    ];
    if (decision.action === "approve") {
      rows.push([t("detail.assignedProduct"), product?.name || decision.productId]);
      if (decision.disabledServicePlans.length) {
        rows.push([t("detail.disabledApps"), decision.disabledServicePlans.map((id) => planNames[id] || id).join(", ")]);
      }
    }
    // A time-limited approval: when its licenses end as decided (an extension moves a
    // holder's end later: the product's holders show that).
    if (decision.licenseExpiresAt) rows.push([t("detail.licenseEnds"), formatDate(decision.licenseExpiresAt)]);
    if (decision.message) rows.push([t("detail.adminMessage"), decision.message]);
    parts.push(h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  }
  const failed = request.users.some((u) => u.outcome === "failed");
  let retryButton = null;
  if (onRetry && failed && !isFulfilling(request)) {
    retryButton = h("button", { type: "button", class: "btn btn--secondary btn--small", id: "retry-fulfilment" }, h("span", { class: "icon icon--refresh", "aria-hidden": "true" }), t("fulfilment.retry"));
    retryButton.addEventListener("click", onRetry);
  }
  const bar = fulfilmentBar(request, retryButton ? h("div", { class: "fulfilment__actions" }, retryButton) : null);
  if (bar) parts.push(bar);
  else if (retryButton) parts.push(h("div", { class: "actions" }, retryButton));
  parts.push(
    h("h3", {}, t("detail.users")),
    h(
      "ul",
      { class: "people", id: "request-users" },
      request.users.map((u) =>
        h("li", { class: "people__item", dataset: { email: u.email } }, avatar(displayName(u)), personText(u, failureText(u)), outcomeBadge(u.outcome, request, u.position)),
      ),
    ),
  );
  return h("section", { class: "pane__section", id: "decision-summary" }, ...parts);
}
