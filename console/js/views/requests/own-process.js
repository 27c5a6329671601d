// Admin: the "Use your own request process" pane (R6, R7).

import { clear, field, focusFirst, h, messageBar } from "../../dom.js";
import { errorText } from "../../errors.js";
import { formatDate, t } from "../../i18n.js";
import { paneShell, showPaneLoading } from "./pane.js";

/** Show the setting in `area`; after saving, `reloadList()` (it may throw), then the list. */
export async function renderProcessPane(ctx, area, { reloadList }) {
  showPaneLoading(area, t("process.title"));
  const process = await ctx.api.get("/settings/request-process");
  if (!ctx.isCurrent()) return;
  const alert = h("div", { class: "form-alert" });
  const use = h("input", { type: "checkbox", id: "process-use", checked: process.useOwnProcess });
  const message = h("textarea", { id: "process-message", rows: "4", maxlength: "1000", value: process.message || "" });
  const url = h("input", { id: "process-url", type: "url", inputmode: "url", placeholder: "https://", value: process.documentationUrl || "" });
  const notify = h("input", { id: "process-notify", type: "text", autocomplete: "off", value: (process.notifyAdmins || []).join(", ") });
  const save = h("button", { type: "submit", class: "btn btn--primary" }, t("save"));
  const syncRequired = () => {
    message.required = use.checked;
    message.setAttribute("aria-required", String(use.checked));
  };
  use.addEventListener("change", syncRequired);
  syncRequired();
  const form = h(
    "form",
    { class: "form pane__form", novalidate: true },
    h("p", { class: "intro" }, t("process.intro")),
    alert,
    h("div", { class: "check" }, use, h("label", { for: "process-use" }, t("process.use"))),
    field(t("process.message"), message, t("process.messageHelp")),
    field(t("process.url"), url, t("process.urlHelp")),
    field(t("process.notify"), notify, t("process.notifyHelp")),
    process.updatedBy ? h("p", { class: "field__help" }, t("process.updated", { name: process.updatedBy.name, date: formatDate(process.updatedAt) })) : null,
    h("div", { class: "pane__footer" }, save, h("a", { href: "#/requests", class: "btn btn--secondary", dataset: { paneClose: "" } }, t("cancel"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    for (const el of [message, url]) el.removeAttribute("aria-invalid");
    if (use.checked && !message.value.trim()) {
      message.setAttribute("aria-invalid", "true");
      alert.append(messageBar("error", t("process.messageHelp")));
      message.focus();
      return;
    }
    if (url.value.trim() && !url.checkValidity()) {
      url.setAttribute("aria-invalid", "true");
      alert.append(messageBar("error", t("process.urlHelp")));
      url.focus();
      return;
    }
    save.disabled = true;
    try {
      await ctx.api.put("/settings/request-process", {
        useOwnProcess: use.checked,
        message: message.value.trim() || null,
        documentationUrl: url.value.trim() || null,
        notifyAdmins: notify.value.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean),
      });
      ctx.toast(t("process.saved"));
      await reloadList();
      ctx.navigate("#/requests");
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      save.disabled = false;
    }
  });
  clear(area).append(paneShell(t("process.title"), form));
  focusFirst(area, "h2");
}
