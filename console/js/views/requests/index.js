// Admin: the Requests tab (R3, R6) with, beside the list, the detail pane of one request
// (R8-R12, X1, X2) or the "Use your own request process" pane (R6, R7).
//
//   list.js         the list, its filter and paging, and the list's state
//   detail.js       one request: who, why, and the decision (or the form)
//   decision.js     the decision form and the deny confirmation
//   own-process.js  the own-request-process setting
//   pane.js         the pane's frame, shared by detail and own process

import { renderDetail } from "./detail.js";
import { renderListPage } from "./list.js";
import { renderProcessPane } from "./own-process.js";

export async function renderRequests(ctx, { requestId = null, ownProcess = false } = {}) {
  const list = await renderListPage(ctx, { selectedId: requestId, paneOpen: Boolean(requestId || ownProcess) });
  if (!list) return;
  if (requestId) await renderDetail(ctx, list.pane, requestId, { reloadList: list.reloadTable });
  else if (ownProcess) await renderProcessPane(ctx, list.pane, { reloadList: list.reload });
}
