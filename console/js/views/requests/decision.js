// Admins and the product's approvers: the decision form of a pending request: users to
// leave out (R9), the product (R10, X2), apps and services (R11), what happens when there
// aren't enough licenses and how long they last (X14, terms.js), a message, approve, or
// deny after confirming (R12).

import { badge, clear, field, h, messageBar, uid } from "../../dom.js";
import { errorText, hasCode } from "../../errors.js";
import { formatNumber, t } from "../../i18n.js";
import { avatar, displayName, freeLicenses, personText } from "../../widgets.js";
import { hasSeatCounts, seatCheck } from "./seats.js";
import { durationField, whenShortField } from "./terms.js";

/**
 * The products an admin may assign for a request for `requestedId`: those whose `fulfils`
 * (from GET /api/products, the server's rule) names it, the requested one first, then the
 * others by name. A product without `fulfils` (an older API) is offered only for itself.
 */
function fulfillingProducts(requestedId, products) {
  const requested = products.find((p) => p.id === requestedId);
  if (!requested) return [];
  const others = products.filter((p) => p.id !== requestedId && Array.isArray(p.fulfils) && p.fulfils.includes(requestedId));
  return [requested, ...others.sort((a, b) => a.name.localeCompare(b.name))];
}

/**
 * The form for `request`; `alert` is the pane's message area. After a decision, or on
 * finding it already decided, `onDecided(notice)` shows what stands.
 */
export function decisionForm(ctx, request, products, alert, onDecided) {
  const excluded = new Set();
  const fulfilling = fulfillingProducts(request.productId, products);
  let chosen = fulfilling[0] || null;
  const form = h("form", { class: "form pane__form", novalidate: true });
  // Another product picked from the seat warning: check its radio as the admin would.
  const seats = seatCheck(request, fulfilling, (product) => {
    const radio = form.querySelector(`input[name=product][value="${CSS.escape(product.id)}"]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change"));
    radio.focus();
  });

  // Users, and "Do not assign to these users" (R9).
  const usersList = h("ul", { class: "people", id: "users-included" });
  const excludedList = h("ul", { class: "people", id: "users-excluded" });
  const usersHint = h("div", {});
  function renderUsers(focusEmail = null, focusIn = null) {
    clear(usersList);
    clear(excludedList);
    for (const user of request.users) {
      const out = excluded.has(user.email);
      const name = displayName(user);
      const button = out
        ? h("button", { type: "button", class: "btn btn--subtle btn--small", "aria-label": t("detail.includeUser", { name }), dataset: { email: user.email } }, h("span", { class: "icon icon--undo", "aria-hidden": "true" }), t("detail.addBack"))
        : h("button", { type: "button", class: "btn btn--icon", "aria-label": t("detail.excludeUser", { name }), title: t("detail.excludeUser", { name }), dataset: { email: user.email } }, h("span", { class: "icon icon--dismiss", "aria-hidden": "true" }));
      button.addEventListener("click", () => {
        if (out) excluded.delete(user.email);
        else excluded.add(user.email);
        renderUsers(user.email, out ? usersList : excludedList);
      });
      // Microsoft 365 tells at submit who holds the product already.
      const holds = user.outcome === "alreadyLicensed" ? badge("info", t("detail.alreadyLicensed")) : null;
      const item = h("li", { class: "people__item" }, avatar(name), personText(user), holds, button);
      (out ? excludedList : usersList).append(item);
    }
    if (!excludedList.children.length) excludedList.append(h("li", { class: "people__empty" }, t("detail.noneExcluded")));
    clear(usersHint);
    if (excluded.size === request.users.length) usersHint.append(messageBar("warning", t("detail.noUsersLeft")));
    approve.disabled = excluded.size === request.users.length;
    seats.update(chosen, excluded, whenShort.waits());
    if (focusEmail && focusIn) {
      focusIn.querySelector(`button[data-email="${CSS.escape(focusEmail)}"]`)?.focus();
    }
  }

  // Product choice (R10, X2) and apps and services (R11).
  const appsSlot = h("div", {});
  function renderApps() {
    clear(appsSlot);
    if (!chosen) return;
    const legendId = uid("apps");
    const boxes = chosen.servicePlans.map((plan) => {
      const id = uid("plan");
      return h("div", { class: "check" }, h("input", { type: "checkbox", id, name: "plan", value: plan.id, checked: true }), h("label", { for: id }, plan.name));
    });
    appsSlot.append(
      h(
        "fieldset",
        { class: "fieldset", "aria-describedby": `${legendId}-help` },
        h("legend", {}, t("detail.apps")),
        h("p", { class: "field__help", id: `${legendId}-help` }, t("detail.appsHelp")),
        boxes.length ? boxes : h("p", { class: "field__help" }, t("detail.noApps")),
      ),
    );
  }
  let productSection;
  if (fulfilling.length > 1) {
    const group = uid("product");
    productSection = h(
      "fieldset",
      { class: "fieldset", id: "product-choice" },
      h("legend", {}, t("detail.selectProduct")),
      h("p", { class: "field__help" }, t("detail.selectProductHelp", { product: request.productName })),
      fulfilling.map((product, index) => {
        const id = `${group}-${index}`;
        const free = freeLicenses(product);
        const input = h("input", { type: "radio", name: "product", id, value: product.id, checked: index === 0 });
        input.addEventListener("change", () => {
          chosen = product;
          renderApps();
          seats.update(chosen, excluded, whenShort.waits());
        });
        return h(
          "div",
          { class: "check check--radio" },
          input,
          h("label", { for: id }, h("span", { class: "check__title" }, product.name), h("span", { class: "check__meta" }, t(free === 1 ? "detail.availableOne" : "detail.available", { count: formatNumber(free) }))),
        );
      }),
    );
  } else if (chosen && hasSeatCounts(chosen)) {
    const free = freeLicenses(chosen);
    productSection = h("p", { class: "field__help" }, t(free === 1 ? "detail.licensesFreeOne" : "detail.licensesFree", { product: chosen.name, count: formatNumber(free) }));
  }

  // When seats are short: refuse, or seat who fits and queue the rest; and for how long.
  const whenShort = whenShortField();
  whenShort.onChange(() => seats.update(chosen, excluded, whenShort.waits()));
  const duration = durationField();

  const message = h("textarea", { name: "message", rows: "3", maxlength: "1000" });
  const approve = h("button", { type: "submit", class: "btn btn--primary", id: "approve" }, t("detail.approve"));
  const deny = h("button", { type: "button", class: "btn btn--secondary", id: "deny" }, t("detail.deny"));

  async function decide(action, body) {
    approve.disabled = true;
    deny.disabled = true;
    form.setAttribute("aria-busy", "true");
    clear(alert);
    let notice;
    try {
      const { data } = await ctx.api.post(`/requests/${encodeURIComponent(request.id)}/${action}`, body);
      // A Microsoft 365 approval is assigned next, and its emails wait for that.
      const text = action === "approve" ? (data?.fulfilment ? "detail.approvedM365" : "detail.approved") : "detail.denied";
      const waiting = (data?.users || []).filter((u) => u.outcome === "waiting").length;
      notice = messageBar("success", t(text), waiting ? [" ", t(waiting === 1 ? "detail.waitingOne" : "detail.waiting", { count: formatNumber(waiting) })] : null);
    } catch (error) {
      if (!hasCode(error, "already_decided")) {
        alert.append(messageBar("error", errorText(error, { product: chosen?.name || request.productName })));
        form.removeAttribute("aria-busy");
        deny.disabled = false;
        renderUsers();
        alert.querySelector(".message-bar")?.scrollIntoView({ block: "nearest" });
        return;
      }
      // Decided elsewhere: show the decision that stands instead of a form that cannot succeed.
      notice = messageBar("warning", errorText(error));
    }
    await onDecided(notice);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const disabled = [...form.querySelectorAll("input[name=plan]")].filter((box) => !box.checked).map((box) => box.value);
    const term = duration.body();
    if (!term) {
      clear(alert);
      alert.append(messageBar("error", t("terms.duration.invalid")));
      return;
    }
    decide("approve", {
      excludeUsers: [...excluded],
      productId: chosen?.id || null,
      disabledServicePlans: disabled,
      message: message.value.trim() || null,
      ...whenShort.body(),
      ...term,
    });
  });

  const dialog = confirmDialog(request, () => decide("deny", { message: message.value.trim() || null }));
  deny.addEventListener("click", () => dialog.showModal());

  form.append(
    h(
      "section",
      { class: "pane__section" },
      h("h3", { id: "users-heading" }, t("detail.users")),
      h("p", { class: "field__help" }, t("detail.usersHelp")),
      usersList,
      h("h3", {}, t("detail.excluded")),
      excludedList,
      usersHint,
    ),
    productSection ? h("section", { class: "pane__section" }, productSection, seats.detail) : null,
    h("section", { class: "pane__section" }, appsSlot),
    h("section", { class: "pane__section pane__terms" }, whenShort.element, duration.element),
    h("section", { class: "pane__section" }, field(t("detail.message"), message, t("detail.messageHelp"))),
    // Sticky: the decision and what it takes stay in view however long the form.
    h("div", { class: "pane__footer pane__footer--decision" }, seats.summary, h("div", { class: "pane__actions" }, approve, deny)),
    dialog,
  );
  renderUsers();
  renderApps();
  return form;
}

function confirmDialog(request, onConfirm) {
  const titleId = uid("confirm");
  const body =
    request.users.length === 1
      ? t("confirm.bodyOne", { name: displayName(request.users[0]), product: request.productName })
      : t("confirm.body", { count: request.users.length, product: request.productName });
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": titleId, id: "confirm-deny" },
    h(
      "form",
      { method: "dialog", class: "dialog__form" },
      h("h2", { id: titleId, class: "dialog__title" }, t("confirm.title")),
      h("p", {}, body),
      h("div", { class: "dialog__actions" }, h("button", { type: "submit", value: "deny", class: "btn btn--danger" }, t("confirm.deny")), h("button", { type: "submit", value: "cancel", class: "btn btn--secondary", autofocus: true }, t("cancel"))),
    ),
  );
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "deny") onConfirm();
    dialog.returnValue = "";
  });
  return dialog;
}
