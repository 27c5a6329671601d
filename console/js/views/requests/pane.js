// The pane beside the Requests list: its frame (title and close) and its loading state.

import { clear, h, uid } from "../../dom.js";
import { t } from "../../i18n.js";

/** Show a busy pane labelled `label` in `area` while its content loads. */
export function showPaneLoading(area, label) {
  clear(area).append(h("aside", { class: "pane", "aria-busy": "true", "aria-label": label }, h("p", { class: "loading" }, t("loading"))));
}

/** A pane titled `titleText`, with a close link back to the list, around `body`. */
export function paneShell(titleText, ...body) {
  const titleId = uid("pane-title");
  return h(
    "aside",
    { class: "pane", "aria-labelledby": titleId },
    h(
      "div",
      { class: "pane__header" },
      h("h2", { id: titleId, class: "pane__title" }, titleText),
      h("a", { href: "#/requests", class: "btn btn--icon", "aria-label": t("close"), title: t("closeEsc"), "aria-keyshortcuts": "Escape", dataset: { paneClose: "" } }, h("span", { class: "icon icon--dismiss", "aria-hidden": "true" })),
    ),
    ...body,
  );
}
