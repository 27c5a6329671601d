// Admin: the dialogs of the Products page: edit a product (a manual one: name, licenses,
// self-service; a Microsoft 365 one: display name, self-service, licensing group, its
// licenses and apps read-only; both: its approvers) and add a manual product.

import { clear, field, h, messageBar, uid } from "../dom.js";
import { errorText } from "../errors.js";
import { formatNumber, t } from "../i18n.js";

const ADMIN_CENTER_SUBSCRIPTIONS = "https://admin.microsoft.com/#/subscriptions";
const PRODUCT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GUID = /^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$/;
const MAX_LICENSES = 10_000_000;
const MAX_APPROVERS = 20;
// An address as the API takes it, roughly: the API has the last word.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/**
 * The PUT /api/products/{id} body that keeps `product` as it is but for `changes`: a
 * Microsoft 365 product takes only what an admin may choose; a manual one everything.
 */
export function productBody(product, changes = {}) {
  if (product.source === "microsoft365") {
    return {
      selfServicePurchase: product.selfServicePurchase,
      name: product.name,
      licensingGroupId: product.licensingGroupId ?? null,
      ...changes,
    };
  }
  return {
    name: product.name,
    selfServicePurchase: product.selfServicePurchase,
    totalLicenses: product.totalLicenses,
    servicePlans: product.servicePlans.map((p) => ({ id: p.id, name: p.name })),
    ...changes,
  };
}

function selfServiceRadios(value) {
  const group = uid("self");
  const radio = (option) => {
    const id = `${group}-${option}`;
    return h("div", { class: "check check--radio" }, h("input", { type: "radio", name: group, id, value: option, checked: value === option }), h("label", { for: id }, t(`products.${option}`)));
  };
  const fieldset = h("fieldset", { class: "fieldset" }, h("legend", {}, t("products.selfService")), radio("blocked"), radio("allowed"));
  return { fieldset, value: () => fieldset.querySelector(`input[name="${group}"]:checked`).value };
}

/** The Approvers field: a product's approvers, one a line (commas or lines both work). */
function approversInput(id, approvers = []) {
  return h("textarea", { id, rows: "3", autocomplete: "off", spellcheck: "false", value: approvers.join("\n") });
}

/** The addresses of the Approvers field, each once; null when one is not an address or
 * there are more than 20. */
function approversFrom(text) {
  const emails = [];
  const seen = new Set();
  for (const email of text.split(/[,;\s]+/).filter(Boolean)) {
    if (email.length > 254 || !EMAIL.test(email)) return null;
    if (seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    emails.push(email);
  }
  return emails.length <= MAX_APPROVERS ? emails : null;
}

/** A modal dialog around `form`, removed when closed, focus back on `opener`. */
function showDialog(id, titleId, form, opener, first) {
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId, id }, form);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  first.focus();
  return dialog;
}

function invalid(alert, control, text) {
  control.setAttribute("aria-invalid", "true");
  alert.append(messageBar("error", text));
  control.focus();
  // Correcting the field takes the stale error away.
  control.addEventListener(
    "input",
    () => {
      control.removeAttribute("aria-invalid");
      clear(alert);
    },
    { once: true },
  );
}

function rowFocus(productId) {
  return `tr[data-product="${CSS.escape(productId)}"] button`;
}

export function openEditor(ctx, product, opener, rerender) {
  if (product.source === "microsoft365") openMicrosoft365Editor(ctx, product, opener, rerender);
  else openManualEditor(ctx, product, opener, rerender);
}

function openManualEditor(ctx, product, opener, rerender) {
  const titleId = uid("edit");
  const alert = h("div", { class: "form-alert" });
  const name = h("input", { required: true, maxlength: "200", value: product.name, id: "product-name" });
  const total = h("input", { type: "number", required: true, min: String(product.assignedLicenses), max: String(MAX_LICENSES), step: "1", value: String(product.totalLicenses), id: "product-total" });
  const selfService = selfServiceRadios(product.selfServicePurchase);
  const approvers = approversInput("product-approvers", product.approvers);
  const save = h("button", { type: "submit", class: "btn btn--primary" }, t("save"));
  const cancel = h("button", { type: "button", class: "btn btn--secondary" }, t("cancel"));
  const form = h(
    "form",
    { class: "dialog__form form", novalidate: true },
    h("h2", { id: titleId, class: "dialog__title" }, t("products.editTitle", { name: product.name })),
    alert,
    field(t("products.name"), name),
    field(t("products.total"), total, t("products.totalHelp", { assigned: formatNumber(product.assignedLicenses) })),
    selfService.fieldset,
    field(t("products.approvers"), approvers, t("products.approversHelp")),
    product.servicePlans.length
      ? h("div", { class: "field" }, h("h3", { class: "field__label" }, t("products.apps")), h("ul", { class: "plain-list" }, product.servicePlans.map((p) => h("li", {}, p.name))))
      : null,
    h("div", { class: "dialog__actions" }, save, cancel),
  );
  const dialog = showDialog("edit-product", titleId, form, opener, name);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    for (const control of [name, total, approvers]) control.removeAttribute("aria-invalid");
    if (!name.value.trim()) return invalid(alert, name, t("products.nameRequired"));
    if (!total.value || !total.checkValidity()) return invalid(alert, total, t("products.totalHelp", { assigned: formatNumber(product.assignedLicenses) }));
    const emails = approversFrom(approvers.value);
    if (!emails) return invalid(alert, approvers, t("products.approversInvalid"));
    save.disabled = true;
    try {
      const saved = await ctx.api.put(
        `/products/${encodeURIComponent(product.id)}`,
        productBody(product, { name: name.value.trim(), selfServicePurchase: selfService.value(), totalLicenses: Number(total.value), approvers: emails }),
      );
      dialog.close();
      ctx.toast(t("products.saved", { name: saved.name }));
      await rerender({ focus: rowFocus(product.id) });
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      save.disabled = false;
    }
  });
}

function openMicrosoft365Editor(ctx, product, opener, rerender) {
  const titleId = uid("edit");
  const alert = h("div", { class: "form-alert" });
  const name = h("input", { maxlength: "200", value: product.name, id: "product-name" });
  const group = h("input", { id: "product-group", value: product.licensingGroupId || "", autocomplete: "off", spellcheck: "false", placeholder: "00000000-0000-0000-0000-000000000000" });
  const selfService = selfServiceRadios(product.selfServicePurchase);
  const approvers = approversInput("product-approvers", product.approvers);
  const reserved = product.reservedLicenses ?? 0;
  const seats = t(reserved > 0 ? "products.seatsReserved" : "products.seatsValue", {
    assigned: formatNumber(product.assignedLicenses),
    total: formatNumber(product.totalLicenses),
    reserved: formatNumber(reserved),
  });
  const facts = [
    [t("products.sku"), product.skuPartNumber || product.skuId || "—"],
    [t("products.seats"), seats],
  ];
  if (product.servicePlans.length) facts.push([t("products.apps"), h("ul", { class: "plain-list plain-list--flush" }, product.servicePlans.map((p) => h("li", {}, p.name)))]);
  const noteId = uid("readonly");
  const readOnly = h(
    "section",
    { class: "readonly", "aria-labelledby": noteId },
    h("p", { class: "readonly__note", id: noteId }, t("products.fromM365")),
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h(
      "p",
      {},
      h(
        "a",
        { href: ADMIN_CENTER_SUBSCRIPTIONS, class: "link", id: "admin-center-link", target: "_blank", rel: "noopener noreferrer" },
        t("products.buyMore"),
        h("span", { class: "visually-hidden" }, ` ${t("products.opensNewWindow")}`),
        h("span", { class: "icon icon--open", "aria-hidden": "true" }),
      ),
    ),
  );
  const save = h("button", { type: "submit", class: "btn btn--primary" }, t("save"));
  const cancel = h("button", { type: "button", class: "btn btn--secondary" }, t("cancel"));
  const form = h(
    "form",
    { class: "dialog__form form", novalidate: true },
    h("h2", { id: titleId, class: "dialog__title" }, t("products.editTitle", { name: product.name })),
    alert,
    field(t("products.displayName"), name, t("products.displayNameHelp")),
    selfService.fieldset,
    field(t("products.group"), group, t("products.groupHelp")),
    field(t("products.approvers"), approvers, t("products.approversHelp")),
    readOnly,
    h("div", { class: "dialog__actions" }, save, cancel),
  );
  const dialog = showDialog("edit-product", titleId, form, opener, name);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    for (const control of [group, approvers]) control.removeAttribute("aria-invalid");
    const groupId = group.value.trim();
    if (groupId && !GUID.test(groupId)) return invalid(alert, group, t("products.groupInvalid"));
    const emails = approversFrom(approvers.value);
    if (!emails) return invalid(alert, approvers, t("products.approversInvalid"));
    save.disabled = true;
    try {
      const saved = await ctx.api.put(
        `/products/${encodeURIComponent(product.id)}`,
        productBody(product, { name: name.value.trim() || null, selfServicePurchase: selfService.value(), licensingGroupId: groupId || null, approvers: emails }),
      );
      dialog.close();
      ctx.toast(t("products.saved", { name: saved.name }));
      await rerender({ focus: rowFocus(product.id) });
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      save.disabled = false;
    }
  });
}

/** Apps, one per line, as service plans: each id made from its name ("Visio" -> "visio"). */
function plansFrom(text) {
  const names = text.split("\n").map((line) => line.trim()).filter(Boolean);
  const plans = [];
  const ids = new Set();
  for (const [index, name] of names.entries()) {
    if (name.length > 200 || plans.some((p) => p.name.toLowerCase() === name.toLowerCase())) return null;
    const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+|-+$/g, "").slice(0, 60) || `plan-${index + 1}`;
    let id = slug;
    for (let n = 2; ids.has(id.toLowerCase()); n += 1) id = `${slug}-${n}`;
    ids.add(id.toLowerCase());
    plans.push({ id, name });
  }
  return plans.length <= 100 ? plans : null;
}

/** A new manual product; `products` are the tenant's, so an id in use is refused here. */
export function openAddProduct(ctx, products, opener, rerender) {
  const titleId = uid("add");
  const alert = h("div", { class: "form-alert" });
  const id = h("input", { id: "new-product-id", required: true, maxlength: "64", autocomplete: "off", spellcheck: "false", pattern: PRODUCT_ID.source });
  const name = h("input", { id: "new-product-name", required: true, maxlength: "200" });
  const total = h("input", { id: "new-product-total", type: "number", required: true, min: "0", max: String(MAX_LICENSES), step: "1", value: "0" });
  const plans = h("textarea", { id: "new-product-plans", rows: "4" });
  const selfService = selfServiceRadios("blocked");
  const approvers = approversInput("new-product-approvers");
  const save = h("button", { type: "submit", class: "btn btn--primary" }, t("products.add"));
  const cancel = h("button", { type: "button", class: "btn btn--secondary" }, t("cancel"));
  const form = h(
    "form",
    { class: "dialog__form form", novalidate: true },
    h("h2", { id: titleId, class: "dialog__title" }, t("products.addTitle")),
    alert,
    field(t("products.id"), id, t("products.idHelp")),
    field(t("products.name"), name),
    field(t("products.total"), total),
    field(t("products.plans"), plans, t("products.plansHelp")),
    selfService.fieldset,
    field(t("products.approvers"), approvers, t("products.approversHelp")),
    h("div", { class: "dialog__actions" }, save, cancel),
  );
  const dialog = showDialog("add-product-dialog", titleId, form, opener, id);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    for (const control of [id, name, total, plans, approvers]) control.removeAttribute("aria-invalid");
    const productId = id.value.trim();
    if (!PRODUCT_ID.test(productId)) return invalid(alert, id, t("products.idHelp"));
    if (products.some((p) => p.id.toLowerCase() === productId.toLowerCase())) return invalid(alert, id, t("products.idTaken", { id: productId }));
    if (!name.value.trim()) return invalid(alert, name, t("products.nameRequired"));
    if (!total.value || !total.checkValidity()) return invalid(alert, total, t("products.totalInvalid"));
    const servicePlans = plansFrom(plans.value);
    if (!servicePlans) return invalid(alert, plans, t("products.plansInvalid"));
    const emails = approversFrom(approvers.value);
    if (!emails) return invalid(alert, approvers, t("products.approversInvalid"));
    save.disabled = true;
    try {
      const saved = await ctx.api.put(`/products/${encodeURIComponent(productId)}`, {
        name: name.value.trim(),
        selfServicePurchase: selfService.value(),
        totalLicenses: Number(total.value),
        servicePlans,
        approvers: emails,
      });
      dialog.close();
      ctx.toast(t("products.added", { name: saved.name }));
      await rerender({ focus: rowFocus(saved.id) });
    } catch (error) {
      alert.append(messageBar("error", errorText(error)));
      save.disabled = false;
    }
  });
}
