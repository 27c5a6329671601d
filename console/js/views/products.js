// Admin: products with licences total / assigned / available, self-service, edit (X1).

import { badge, clear, field, h, messageBar, uid } from "../dom.js";
import { errorText } from "../errors.js";
import { formatNumber, t } from "../i18n.js";
import { freeLicences } from "../widgets.js";

export async function renderProducts(ctx, notice = null) {
  const { main } = ctx;
  const products = (await ctx.api.get("/products")).items;
  if (!ctx.isCurrent()) return;
  const alert = h("div", { class: "form-alert" });
  if (notice) alert.append(notice);
  const page = h(
    "div",
    { class: "page page--wide" },
    h("div", { class: "page-header" }, h("h1", {}, t("products.title")), h("p", { class: "intro" }, t("products.intro"))),
    alert,
  );
  if (!products.length) {
    page.append(h("p", { class: "empty" }, t("products.empty")));
    clear(main).append(page);
    return;
  }
  const rows = products.map((product) => {
    const edit = h("button", { type: "button", class: "btn btn--subtle btn--small", "aria-label": t("products.editLabel", { name: product.name }) }, h("span", { class: "icon icon--edit", "aria-hidden": "true" }), t("products.edit"));
    edit.addEventListener("click", () => openEditor(ctx, product, edit));
    const available = freeLicences(product);
    return h(
      "tr",
      { dataset: { product: product.id } },
      h("th", { scope: "row" }, h("span", { class: "cell-title" }, product.name), h("span", { class: "cell-sub" }, product.servicePlans.map((p) => p.name).join(", "))),
      h("td", { class: "num" }, formatNumber(product.totalLicenses)),
      h("td", { class: "num" }, formatNumber(product.assignedLicenses)),
      h("td", { class: "num" }, formatNumber(available)),
      h("td", {}, product.selfServicePurchase === "allowed" ? badge("success", t("products.allowed")) : badge("neutral", t("products.blocked"))),
      h("td", {}, edit),
    );
  });
  page.append(
    h(
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
            h("th", { scope: "col", class: "num" }, t("products.col.total")),
            h("th", { scope: "col", class: "num" }, t("products.col.assigned")),
            h("th", { scope: "col", class: "num" }, t("products.col.available")),
            h("th", { scope: "col" }, t("products.col.selfService")),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("products.col.actions"))),
          ),
        ),
        h("tbody", {}, rows),
      ),
    ),
  );
  clear(main).append(page);
}

function openEditor(ctx, product, opener) {
  const titleId = uid("edit");
  const alert = h("div", { class: "form-alert" });
  const name = h("input", { required: true, maxlength: "200", value: product.name, id: "product-name" });
  const total = h("input", { type: "number", required: true, min: String(product.assignedLicenses), max: "10000000", step: "1", value: String(product.totalLicenses), id: "product-total" });
  const group = uid("self");
  const radio = (value) => {
    const id = `${group}-${value}`;
    return h("div", { class: "check check--radio" }, h("input", { type: "radio", name: group, id, value, checked: product.selfServicePurchase === value }), h("label", { for: id }, t(`products.${value}`)));
  };
  const save = h("button", { type: "submit", class: "btn btn--primary" }, t("save"));
  const cancel = h("button", { type: "button", class: "btn btn--secondary" }, t("cancel"));
  const form = h(
    "form",
    { class: "dialog__form form", novalidate: true },
    h("h2", { id: titleId, class: "dialog__title" }, t("products.editTitle", { name: product.name })),
    alert,
    field(t("products.name"), name),
    field(t("products.total"), total, t("products.totalHelp", { assigned: formatNumber(product.assignedLicenses) })),
    h("fieldset", { class: "fieldset" }, h("legend", {}, t("products.selfService")), radio("blocked"), radio("allowed")),
    product.servicePlans.length
      ? h("div", { class: "field" }, h("h3", { class: "field__label" }, t("products.apps")), h("ul", { class: "plain-list" }, product.servicePlans.map((p) => h("li", {}, p.name))))
      : null,
    h("div", { class: "dialog__actions" }, save, cancel),
  );
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId, id: "edit-product" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    opener.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    if (!name.value.trim() || !total.checkValidity()) {
      alert.append(messageBar("error", !name.value.trim() ? t("products.name") : t("products.totalHelp", { assigned: formatNumber(product.assignedLicenses) })));
      return;
    }
    save.disabled = true;
    try {
      const saved = await ctx.api.put(`/products/${encodeURIComponent(product.id)}`, {
        name: name.value.trim(),
        selfServicePurchase: form.querySelector(`input[name="${group}"]:checked`).value,
        totalLicenses: Number(total.value),
        servicePlans: product.servicePlans.map((p) => ({ id: p.id, name: p.name })),
      });
      dialog.close();
      ctx.toast(t("products.saved", { name: saved.name }));
      await renderProducts(ctx);
      ctx.main.querySelector(`tr[data-product="${CSS.escape(product.id)}"] button`)?.focus();
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      save.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}
