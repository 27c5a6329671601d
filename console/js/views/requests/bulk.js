// Bulk decisions (X14): the bar that approves or denies the selected requests, its
// confirmation (how many, an optional message) and the summary of what happened to each.

import { field, h, messageBar, uid } from "../../dom.js";
import { errorText } from "../../errors.js";
import { formatNumber, t } from "../../i18n.js";
import { durationField, whenShortField } from "./terms.js";

// Why a request was left as it was, by the problem code its result carries.
const REASONS = new Set(["insufficient_licenses", "already_decided", "no_users_left"]);

function plural(key, count, params = {}) {
  return t(count === 1 ? `${key}One` : key, { count: formatNumber(count), ...params });
}

/**
 * The selection bar: how many are selected, "Approve selected" and "Don't approve
 * selected" (each confirmed first), and "Clear selection". `decide(action, message)` runs
 * a confirmed decision; `onClear()` empties the selection. `update(count)` redraws it.
 */
export function bulkBar({ decide, onClear }) {
  const status = h("p", { class: "bulk-bar__status", id: "selection-status", role: "status" });
  const approve = h("button", { type: "button", class: "btn btn--primary btn--small", id: "approve-selected" }, t("bulk.approve"));
  const deny = h("button", { type: "button", class: "btn btn--secondary btn--small", id: "deny-selected" }, t("bulk.deny"));
  const clearButton = h("button", { type: "button", class: "btn btn--subtle btn--small", id: "clear-selection" }, t("bulk.clear"));
  let selected = 0;
  approve.addEventListener("click", () => confirmBulk("approve", selected, approve, decide));
  deny.addEventListener("click", () => confirmBulk("deny", selected, deny, decide));
  clearButton.addEventListener("click", onClear);
  const bar = h("div", { class: "bulk-bar", role: "group", "aria-label": t("bulk.label") }, status, h("div", { class: "bulk-bar__actions" }, approve, deny, clearButton));

  function update(count) {
    selected = count;
    status.textContent = count ? plural("bulk.selected", count) : t("bulk.none");
    approve.disabled = !count;
    deny.disabled = !count;
    clearButton.hidden = !count;
  }

  /** While a decision is under way: nothing to press twice. */
  function busy(on) {
    bar.setAttribute("aria-busy", String(on));
    for (const button of [approve, deny, clearButton]) button.disabled = on || !selected;
  }

  update(0);
  return { bar, update, busy };
}

/**
 * "Approve 6 requests?" / "Don't approve 6 requests?": what happens, an optional message,
 * and the decision or Cancel (Esc). Focus goes back to `opener` unless confirmed.
 */
function confirmBulk(action, count, opener, decide) {
  const titleId = uid("bulk");
  const message = h("textarea", { id: "bulk-message", rows: "3", maxlength: "1000" });
  const confirm = h(
    "button",
    { type: "submit", value: action, class: `btn ${action === "approve" ? "btn--primary" : "btn--danger"}`, id: "bulk-confirm" },
    plural(`bulk.confirm.${action}`, count),
  );
  const cancel = h("button", { type: "submit", value: "cancel", class: "btn btn--secondary", formnovalidate: true }, t("cancel"));
  // An approval's terms: the waitlist when licenses run out, and how long they last.
  const whenShort = action === "approve" ? whenShortField() : null;
  const duration = action === "approve" ? durationField() : null;
  const alert = h("div", { class: "form-alert" });
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": titleId, id: "confirm-bulk" },
    h(
      "form",
      { method: "dialog", class: "dialog__form form" },
      h("h2", { id: titleId, class: "dialog__title" }, plural(`bulk.title.${action}`, count)),
      h("p", {}, t(`bulk.body.${action}`)),
      alert,
      whenShort?.element,
      duration?.element,
      field(t("detail.message"), message, t("bulk.messageHelp")),
      h("div", { class: "dialog__actions" }, confirm, cancel),
    ),
  );
  let options = {};
  // An end date must be after today: checked before the dialog closes.
  confirm.addEventListener("click", (event) => {
    if (!duration) return;
    const term = duration.body();
    if (!term) {
      event.preventDefault();
      alert.replaceChildren(messageBar("error", t("terms.duration.invalid")));
      return;
    }
    options = { ...whenShort.body(), ...term };
  });
  dialog.addEventListener("close", () => {
    const confirmed = dialog.returnValue === action;
    const text = message.value.trim();
    dialog.remove();
    if (confirmed) decide(action, text || null, options);
    else if (opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  message.focus();
}

/**
 * The summary of a bulk decision's `results` (one per request, in the order sent):
 * `{ intent, lines, items }`, e.g. "2 requests approved." and "1 not approved: not enough
 * licenses", and `items`, one line per request left as it was ("Visio Plan 2 from Diego
 * Siciliani: not enough licenses"), named from `requests` (id → the summary listed) and
 * linked to it. With `whenShort` "wait", those approved with some people on the waitlist
 * are counted too.
 */
export function summarise(action, results, requests = new Map()) {
  const done = results.filter((r) => r.status === 200);
  const refused = new Map();
  const items = [];
  for (const result of results) {
    if (result.status === 200) continue;
    let reason;
    if (result.status === 404) reason = t("bulk.reason.not_found");
    else if (REASONS.has(result.code)) reason = t(`bulk.reason.${result.code}`);
    else reason = result.detail || result.code || String(result.status);
    refused.set(reason, (refused.get(reason) || 0) + 1);
    const known = requests.get(result.id);
    const name = known ? t("bulk.item", { product: known.productName, name: known.requester?.name || known.requester?.email || "" }) : result.id;
    items.push({ id: result.id, text: `${name}: ${reason}` });
  }
  const lines = [];
  if (done.length || !refused.size) lines.push(plural(`bulk.done.${action}`, done.length));
  for (const [reason, count] of refused) lines.push(t(`bulk.refused.${action}`, { count: formatNumber(count), reason }));
  const waiting = done.reduce((sum, r) => sum + (r.request?.users || []).filter((u) => u.outcome === "waiting").length, 0);
  if (waiting) lines.push(plural("bulk.waiting", waiting));
  // Microsoft 365 assigns after the decision; its emails wait for that.
  if (action === "approve" && done.some((r) => r.request?.fulfilment)) lines.push(t("bulk.m365"));
  const intent = !refused.size ? "success" : done.length ? "warning" : "error";
  return { intent, lines, items };
}

/** The summary as a message bar that can take focus; an error when the call itself failed. */
export function summaryBar(summary) {
  const items = summary.items || [];
  const list = items.length
    ? h(
        "ul",
        { class: "bulk-summary__items", id: "bulk-summary-items" },
        items.map((item) => h("li", { dataset: { request: item.id } }, h("a", { href: `#/requests/${encodeURIComponent(item.id)}`, class: "link" }, item.text))),
      )
    : null;
  const bar = messageBar(summary.intent, ...summary.lines.map((line) => h("p", { class: "bulk-summary__line" }, line)), list);
  bar.id = "bulk-summary";
  bar.classList.add("bulk-summary");
  bar.setAttribute("tabindex", "-1");
  return bar;
}

/** The summary of a bulk decision that failed as a whole (nothing was decided). */
export function failureSummary(error) {
  return { intent: "error", lines: [errorText(error)] };
}
