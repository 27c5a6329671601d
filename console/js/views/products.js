// Admin: products with licenses total / assigned / available, where each comes from
// (Microsoft 365 or manual), how many people ask for each (pending requests) and how many
// are on its waitlist (with, for Microsoft 365, where to buy more), who approves it, the
// self-service switch, edit and add, and its waitlist and holders (X1, X11, X14); and the
// Microsoft 365 connection above them.

import { badge, clear, h, messageBar } from "../dom.js";
import { errorText, isNotFound } from "../errors.js";
import { formatNumber, t } from "../i18n.js";
import { freeLicenses } from "../widgets.js";
import { microsoft365Section, syncButton } from "./microsoft365.js";
import { openAddProduct, openEditor, productBody } from "./product-dialogs.js";
import { buyMoreLink, openLicenses } from "./product-licenses.js";

// Where Microsoft's admin consent sends the admin back: #/products?microsoft365=<outcome>.
const CONSENT_NOTICES = { connected: "success", denied: "warning", pending: "warning" };

/** The connection, null when this API has no Microsoft 365 (older), or `{ error }`. */
async function loadConnection(ctx) {
  try {
    return await ctx.api.get("/setup/microsoft365");
  } catch (error) {
    return isNotFound(error) ? null : { error };
  }
}

/**
 * Show the Products page. `notice` (an element) goes in the page's message area, else
 * the outcome of an admin consent named by `query`; `focus` (a selector) takes focus.
 */
export async function renderProducts(ctx, { query = null, notice = null, focus = null } = {}) {
  const { main } = ctx;
  const [products, connection] = await Promise.all([ctx.api.get("/products").then((r) => r.items), loadConnection(ctx)]);
  if (!ctx.isCurrent()) return;
  const alert = h("div", { class: "form-alert", id: "products-alert", tabindex: "-1" });
  const consent = query?.get("microsoft365");
  if (notice) alert.append(notice);
  else if (CONSENT_NOTICES[consent]) {
    alert.append(messageBar(CONSENT_NOTICES[consent], t(`m365.notice.${consent}`)));
    // Shown once: a reload or a language switch shows the page without it.
    history.replaceState(null, "", "#/products");
  }
  const rerender = (next = {}) => renderProducts(ctx, next);
  // "Add product": a product outside Microsoft 365 (source manual); once connected, the
  // subscriptions come from Microsoft 365, synced hourly or now.
  const add = h("button", { type: "button", class: "btn btn--secondary", id: "add-product" }, h("span", { class: "icon icon--add", "aria-hidden": "true" }), t("products.add"));
  add.addEventListener("click", () => openAddProduct(ctx, products, add, rerender));
  const sync = connection?.connected ? syncButton(ctx, alert, rerender) : null;
  const page = h(
    "div",
    { class: "page page--wide" },
    h(
      "div",
      { class: "page-header page-header--actions" },
      h("div", {}, h("h1", {}, t("products.title")), h("p", { class: "intro" }, t("products.intro"))),
      h("div", { class: "page-header__actions" }, add, sync),
    ),
    alert,
    connection ? microsoft365Section(ctx, connection, alert, rerender) : null,
  );
  page.append(products.length ? productsTable(ctx, products, alert, rerender) : emptyProducts(connection));
  clear(main).append(page);
  if (focus) main.querySelector(focus)?.focus();
  else if (notice || CONSENT_NOTICES[consent]) alert.focus();
}

/** No products yet: what to do next (the buttons are in the header and the Microsoft 365 card). */
function emptyProducts(connection) {
  const canConnect = Boolean(connection?.available && !connection.connected);
  return h(
    "div",
    { class: "empty", id: "products-empty" },
    h("p", { class: "empty__title" }, t("products.empty")),
    h("p", {}, t(canConnect ? "products.emptyNextConnect" : "products.emptyNext")),
  );
}

function productsTable(ctx, products, alert, rerender) {
  const rows = products.map((product) => {
    const edit = h("button", { type: "button", class: "btn btn--subtle btn--small", "aria-label": t("products.editLabel", { name: product.name }) }, h("span", { class: "icon icon--edit", "aria-hidden": "true" }), t("products.edit"));
    edit.addEventListener("click", () => openEditor(ctx, product, edit, rerender));
    const licenses = h(
      "button",
      { type: "button", class: "btn btn--subtle btn--small licenses-button", "aria-label": t("products.licensesLabel", { name: product.name }) },
      h("span", { class: "icon icon--list", "aria-hidden": "true" }),
      t("products.licenses"),
    );
    licenses.addEventListener("click", () => openLicenses(ctx, product, licenses, rerender));
    const m365 = product.source === "microsoft365";
    const reserved = product.reservedLicenses ?? 0;
    // How many people ask for it (the users of its pending requests), how many are on its
    // waitlist (approved, no license free yet), and who approves it.
    const asking = product.pendingUsers ?? 0;
    const waiting = product.waiting ?? 0;
    const approvers = product.approvers || [];
    return h(
      "tr",
      { dataset: { product: product.id, source: product.source || "manual" } },
      h(
        "th",
        { scope: "row" },
        h("span", { class: "cell-title" }, product.name, asking ? [" ", askingBadge(asking)] : null, waiting ? [" ", waitlistBadge(waiting)] : null),
        h("span", { class: "cell-sub" }, product.servicePlans.map((p) => p.name).join(", ")),
        approvers.length ? h("span", { class: "cell-sub product-approvers" }, t("products.approversList", { emails: approvers.join(", ") })) : null,
      ),
      h("td", {}, m365 ? badge("info", t("products.source.microsoft365")) : badge("neutral", t("products.source.manual"))),
      h("td", { class: "num" }, formatNumber(product.totalLicenses)),
      h(
        "td",
        { class: "num" },
        formatNumber(product.assignedLicenses),
        reserved > 0 ? h("span", { class: "cell-sub", title: t("products.reservedHelp") }, t("products.reserved", { count: formatNumber(reserved) })) : null,
      ),
      h(
        "td",
        { class: "num" },
        formatNumber(freeLicenses(product)),
        // Someone waits: for Microsoft 365, more licenses are bought in its admin center.
        waiting && m365 ? h("span", { class: "cell-sub" }, buyMoreLink()) : null,
      ),
      h("td", {}, selfServiceSwitch(ctx, product, alert)),
      h("td", {}, h("div", { class: "row-actions" }, edit, licenses)),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table", id: "products-table" },
      h("caption", { class: "visually-hidden" }, t("products.caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("products.col.product")),
          h("th", { scope: "col" }, t("products.col.source")),
          h("th", { scope: "col", class: "num" }, t("products.col.total")),
          h("th", { scope: "col", class: "num" }, t("products.col.assigned")),
          h("th", { scope: "col", class: "num" }, t("products.col.available")),
          h("th", { scope: "col" }, t("products.col.selfService")),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("products.col.actions"))),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

/** "3 asking": the people of the product's pending requests. */
function askingBadge(count) {
  const element = badge("warning", t(count === 1 ? "products.askingOne" : "products.asking", { count: formatNumber(count) }));
  element.classList.add("product-asking");
  element.title = t("products.askingHelp");
  return element;
}

/** "2 on the waitlist": approved, waiting for a license to free up. */
function waitlistBadge(count) {
  const element = badge("info", t(count === 1 ? "products.waitlistOne" : "products.waitlist", { count: formatNumber(count) }));
  element.classList.add("product-waitlist");
  element.title = t("products.waitlistHelp");
  return element;
}

/** A switch that allows or blocks self-service purchase of `product` at once. */
function selfServiceSwitch(ctx, product, alert) {
  const allowed = product.selfServicePurchase === "allowed";
  const input = h("input", { type: "checkbox", role: "switch", class: "switch__input", checked: allowed, "aria-label": t("products.selfServiceFor", { name: product.name }) });
  const text = h("span", { class: "switch__text", "aria-hidden": "true" }, t(allowed ? "products.allowed" : "products.blocked"));
  input.addEventListener("change", async () => {
    const value = input.checked ? "allowed" : "blocked";
    input.disabled = true;
    clear(alert);
    try {
      const saved = await ctx.api.put(`/products/${encodeURIComponent(product.id)}`, productBody(product, { selfServicePurchase: value }));
      product.selfServicePurchase = saved.selfServicePurchase;
      text.textContent = t(saved.selfServicePurchase === "allowed" ? "products.allowed" : "products.blocked");
      ctx.toast(t("products.saved", { name: saved.name }));
    } catch (error) {
      input.checked = !input.checked;
      alert.append(messageBar("error", errorText(error)));
    } finally {
      input.disabled = false;
      input.focus();
    }
  });
  return h("label", { class: "switch" }, input, text);
}
