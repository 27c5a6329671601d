// Admin: the detail pane of one request (R8-R12, X1, X2): who asked, why, and either the
// decision form (pending) or the decision that stands.

import { clear, focusFirst, h, messageBar } from "../../dom.js";
import { errorText, isNotFound } from "../../errors.js";
import { formatDate, t } from "../../i18n.js";
import { avatar, displayName, outcomeBadge, personText, statusBadge } from "../../widgets.js";
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
    body.push(decisionSummary(request, products));
  }
  clear(area).append(paneShell(request.productName, ...body));
  if (notice) alert.focus();
  else focusFirst(area, "h2");
}

function decisionSummary(request, products) {
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
    if (decision.message) rows.push([t("detail.adminMessage"), decision.message]);
    parts.push(h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  }
  parts.push(
    h("h3", {}, t("detail.users")),
    h(
      "ul",
      { class: "people" },
      request.users.map((u) =>
        h("li", { class: "people__item" }, avatar(displayName(u)), personText(u), outcomeBadge(u.outcome)),
      ),
    ),
  );
  return h("section", { class: "pane__section" }, ...parts);
}
