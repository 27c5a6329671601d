// Admin: the Microsoft 365 connection on the Products page (X11): connect by admin
// consent, disconnect after confirming; and the page's "Sync from Microsoft 365" button.

import { clear, h, messageBar, uid } from "../dom.js";
import { errorText } from "../errors.js";
import { formatDate, t } from "../i18n.js";

/**
 * The section for `connection` (GET /api/setup/microsoft365, or `{ error }`). Messages go
 * to the page's `alert`; `rerender(options)` shows the page again after a change.
 */
export function microsoft365Section(ctx, connection, alert, rerender) {
  const titleId = uid("m365");
  const section = h(
    "section",
    { class: "card m365", id: "microsoft365", "aria-labelledby": titleId },
    h(
      "div",
      { class: "m365__header" },
      h("span", { class: "m365__logo", "aria-hidden": "true" }),
      h("h2", { id: titleId, class: "m365__title" }, t("m365.title")),
      connection.connected ? h("span", { class: "badge badge--success" }, t("m365.connectedStatus")) : null,
    ),
  );
  if (connection.error) {
    section.append(messageBar("error", errorText(connection.error)));
  } else if (connection.connected) {
    section.append(connectedBody(ctx, connection, alert, rerender));
  } else if (connection.available) {
    const connect = h("button", { type: "button", class: "btn btn--primary", id: "connect-m365" }, t("m365.connect"));
    connect.addEventListener("click", () => startConsent(ctx, connect, alert));
    section.append(
      h("p", {}, t("m365.notConnected")),
      h("p", { class: "field__help" }, t("m365.connectHelp")),
      h("div", { class: "actions" }, connect),
    );
  } else {
    section.append(h("p", { class: "field__help" }, t("m365.unavailable")));
  }
  return section;
}

/**
 * "Sync from Microsoft 365" (a connected tenant): reads the subscriptions again now
 * rather than at the next hourly sync. Messages go to the page's `alert`.
 */
export function syncButton(ctx, alert, rerender) {
  const sync = h("button", { type: "button", class: "btn btn--secondary", id: "sync-m365" }, h("span", { class: "icon icon--refresh", "aria-hidden": "true" }), t("m365.sync"));
  sync.addEventListener("click", async () => {
    sync.disabled = true;
    sync.setAttribute("aria-busy", "true");
    clear(alert);
    try {
      await ctx.api.post("/products/sync");
      ctx.toast(t("m365.synced"));
      await rerender({ focus: "#sync-m365" });
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      sync.disabled = false;
      sync.removeAttribute("aria-busy");
      alert.focus();
    }
  });
  return sync;
}

/** Off to Microsoft's admin-consent page; it sends the admin back to #/products?microsoft365=… */
async function startConsent(ctx, button, alert) {
  button.disabled = true;
  clear(alert);
  try {
    const { consentUrl } = await ctx.api.get("/setup/microsoft365/consent");
    location.assign(consentUrl);
  } catch (error) {
    alert.append(messageBar("error", errorText(error)));
    button.disabled = false;
    alert.focus();
  }
}

function connectedBody(ctx, connection, alert, rerender) {
  const by = connection.connectedBy;
  const facts = [
    [t("m365.connectedBy"), by ? t("m365.person", { name: by.name || by.email, email: by.email }) : "—"],
    [t("m365.connectedOn"), connection.connectedAt ? h("time", { datetime: connection.connectedAt }, formatDate(connection.connectedAt)) : "—"],
    [t("m365.lastSync"), connection.lastSyncAt ? h("time", { datetime: connection.lastSyncAt }, formatDate(connection.lastSyncAt)) : t("m365.never")],
  ];
  const disconnect = h("button", { type: "button", class: "btn btn--subtle", id: "disconnect-m365" }, t("m365.disconnect"));
  const dialog = confirmDisconnect(async () => {
    disconnect.disabled = true;
    clear(alert);
    try {
      await ctx.api.delete("/setup/microsoft365");
      await rerender({ notice: messageBar("success", t("m365.disconnected")) });
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      disconnect.disabled = false;
      alert.focus();
    }
  });
  disconnect.addEventListener("click", () => dialog.showModal());
  dialog.addEventListener("close", () => {
    if (disconnect.isConnected && !disconnect.disabled) disconnect.focus();
  });
  return h(
    "div",
    { class: "m365__body" },
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("div", { class: "actions" }, disconnect),
    dialog,
  );
}

function confirmDisconnect(onConfirm) {
  const titleId = uid("disconnect");
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": titleId, id: "confirm-disconnect" },
    h(
      "form",
      { method: "dialog", class: "dialog__form" },
      h("h2", { id: titleId, class: "dialog__title" }, t("m365.disconnectTitle")),
      h("p", {}, t("m365.disconnectBody")),
      h(
        "div",
        { class: "dialog__actions" },
        h("button", { type: "submit", value: "disconnect", class: "btn btn--danger" }, t("m365.disconnect")),
        h("button", { type: "submit", value: "cancel", class: "btn btn--secondary", autofocus: true }, t("cancel")),
      ),
    ),
  );
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "disconnect") onConfirm();
    dialog.returnValue = "";
  });
  return dialog;
}
