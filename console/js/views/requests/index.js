// Admins and a product's approvers: the Requests tab (R3, R6, X14) with, beside the list,
// the detail pane of one request (R8-R12, X1, X2) or the "Use your own request process"
// pane (R6, R7; admins only). An approver sees their products' requests only (the API
// lists no others), without the counts, the export or the settings; an approver of
// several products may filter by them.
//
//   list.js         the list, its filters, search, order and paging, the export, the state
//   bulk.js         the selection's bulk decisions, their confirmation and summary
//   detail.js       one request: who, why, and the decision (or the form)
//   decision.js     the decision form and the deny confirmation
//   seats.js        the licenses an approval needs against those available, live
//   terms.js        an approval's terms: the waitlist when short, the license duration
//   own-process.js  the own-request-process setting
//   pane.js         the pane's frame, shared by detail and own process
//
// A pane closes with its close button or Esc, and focus goes back to what opened it.

import { renderDetail } from "./detail.js";
import { renderListPage, returnFocusTo } from "./list.js";
import { renderProcessPane } from "./own-process.js";

// The pane on show: the view's context and the request in it (null: own process).
let shown = null;

function closePane() {
  const { ctx, requestId } = shown;
  returnFocusTo(requestId);
  ctx.navigate("#/requests");
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || !shown?.ctx.isCurrent()) return;
  // A dialog, a combobox or a select closes itself first.
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest("dialog, select, [role=combobox]") || document.querySelector("dialog[open]")) return;
  event.preventDefault();
  closePane();
});

export async function renderRequests(ctx, { requestId = null, ownProcess = false } = {}) {
  shown = null;
  const list = await renderListPage(ctx, { selectedId: requestId, paneOpen: Boolean(requestId || ownProcess) });
  if (!list) return;
  if (!requestId && !ownProcess) return;
  shown = { ctx, requestId };
  // The pane's close button (and the own-process Cancel) lead back to the list.
  list.pane.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-pane-close]")) returnFocusTo(requestId);
  });
  if (requestId) await renderDetail(ctx, list.pane, requestId, { reloadList: list.reloadTable });
  else await renderProcessPane(ctx, list.pane, { reloadList: list.reload });
}
