// Admin: a product's licenses beyond the counts (X14), in a dialog of the Products page:
// its waitlist (first come, first served; remove someone after confirming, they are
// emailed) with, for a Microsoft 365 product, a link to buy more licenses; and who holds
// its licenses through a request, until when, with an Extend action for time-limited ones.

import { clear, h, messageBar, uid } from "../dom.js";
import { errorText, isNotFound } from "../errors.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { durationField } from "./requests/terms.js";

// Where a Microsoft 365 admin buys more licenses.
export const ADMIN_CENTER_CATALOG = "https://admin.microsoft.com/Adminportal/Home#/catalog";

/** "Buy more licenses in the Microsoft 365 admin center", opening a new window. */
export function buyMoreLink(id = null) {
  return h(
    "a",
    { href: ADMIN_CENTER_CATALOG, target: "_blank", rel: "noopener noreferrer", class: "link buy-more", id },
    t("licenses.buyMore"),
    h("span", { class: "visually-hidden" }, ` ${t("products.opensNewWindow")}`),
  );
}

function path(product, ...parts) {
  return ["/products", product.id, ...parts].map((p, i) => (i ? encodeURIComponent(p) : p)).join("/");
}

function personCell(name, email) {
  return h("span", { class: "people__text" }, h("span", { class: "people__name" }, name || email), name ? h("span", { class: "people__email" }, email) : null);
}

/**
 * Open the dialog of `product`'s waitlist and holders; focus goes back to `opener` when it
 * closes, and the Products page is drawn again (`rerender`) if anything changed.
 */
export function openLicenses(ctx, product, opener, rerender) {
  const titleId = uid("licenses");
  const alert = h("div", { class: "form-alert", tabindex: "-1" });
  // What was just done, said inside the dialog: a modal dialog makes the page's toast inert.
  const status = h("p", { class: "licenses__status", id: "licenses-status", role: "status" });
  const waitlistArea = h("div", { class: "licenses__waitlist", id: "waitlist" }, h("p", { class: "loading" }, t("loading")));
  const holdersArea = h("div", { class: "licenses__holders", id: "holders" }, h("p", { class: "loading" }, t("loading")));
  const close = h("button", { type: "submit", value: "close", class: "btn btn--secondary" }, t("close"));
  let changed = false;
  // A link to a request leaves the page: the dialog closes without drawing the page again.
  let leaving = false;
  const dialog = h(
    "dialog",
    { class: "dialog dialog--wide", "aria-labelledby": titleId, id: "licenses-dialog" },
    h(
      "form",
      { method: "dialog", class: "dialog__form" },
      h("h2", { id: titleId, class: "dialog__title", tabindex: "-1" }, t("licenses.title", { name: product.name })),
      alert,
      status,
      h(
        "section",
        { class: "licenses__section", "aria-labelledby": `${titleId}-waitlist` },
        h("h3", { id: `${titleId}-waitlist` }, t("licenses.waitlist")),
        h("p", { class: "field__help" }, t("licenses.waitlistHelp")),
        product.source === "microsoft365" ? h("p", {}, buyMoreLink("waitlist-buy-more")) : null,
        waitlistArea,
      ),
      h(
        "section",
        { class: "licenses__section", "aria-labelledby": `${titleId}-holders` },
        h("h3", { id: `${titleId}-holders` }, t("licenses.holders")),
        h("p", { class: "field__help" }, t("licenses.holdersHelp")),
        holdersArea,
      ),
      h("div", { class: "dialog__actions" }, close),
    ),
  );
  dialog.addEventListener("click", (event) => {
    if (!event.target.closest("a[href^='#/']")) return;
    leaving = true;
    dialog.close();
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (leaving) return;
    if (changed) rerender({ focus: `tr[data-product="${CSS.escape(product.id)}"] .licenses-button` });
    else if (opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector("h2").focus();

  const view = {
    ctx,
    product,
    dialog,
    alert,
    waitlistArea,
    holdersArea,
    changed: () => {
      changed = true;
    },
    say: (text) => {
      status.textContent = text;
    },
  };
  loadWaitlist(view);
  loadHolders(view);
}

async function loadWaitlist(view, focusIndex = null) {
  const { ctx, product, waitlistArea } = view;
  let items;
  try {
    items = (await ctx.api.get(path(product, "waitlist"))).items;
  } catch (error) {
    clear(waitlistArea).append(messageBar("error", errorText(error)));
    return;
  }
  if (!view.dialog.isConnected) return;
  clear(waitlistArea);
  if (!items.length) {
    waitlistArea.append(h("p", { class: "empty__title", id: "waitlist-empty" }, t("licenses.waitlistEmpty", { name: product.name })));
    return;
  }
  const rows = items.map((entry, index) => {
    const who = entry.name || entry.email;
    const remove = h("button", { type: "button", class: "btn btn--subtle btn--small", "aria-label": t("licenses.removeLabel", { name: who }), dataset: { email: entry.email } }, t("remove"));
    remove.addEventListener("click", () => confirmRemoval(view, entry, remove, index));
    return h(
      "tr",
      { dataset: { email: entry.email } },
      h("td", { class: "num" }, formatNumber(entry.position ?? index + 1)),
      h("th", { scope: "row" }, personCell(entry.name, entry.email)),
      h("td", {}, h("time", { datetime: entry.since }, formatDate(entry.since))),
      h("td", {}, h("a", { href: `#/requests/${encodeURIComponent(entry.requestId)}`, class: "link" }, t("licenses.openRequest"))),
      h("td", {}, remove),
    );
  });
  waitlistArea.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table", id: "waitlist-table" },
        h("caption", { class: "visually-hidden" }, t("licenses.waitlistCaption", { name: product.name })),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", class: "num" }, t("licenses.col.position")),
            h("th", { scope: "col" }, t("licenses.col.person")),
            h("th", { scope: "col" }, t("licenses.col.since")),
            h("th", { scope: "col" }, t("licenses.col.request")),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("products.col.actions"))),
          ),
        ),
        h("tbody", {}, rows),
      ),
    ),
  );
  if (focusIndex !== null) {
    const buttons = waitlistArea.querySelectorAll("tbody button");
    (buttons[Math.min(focusIndex, buttons.length - 1)] || view.dialog.querySelector("h2")).focus();
  }
}

/** "Remove Alex from the waitlist?": they are told by email; the people after move up. */
function confirmRemoval(view, entry, opener, index) {
  const { ctx, product, alert } = view;
  const who = entry.name || entry.email;
  const titleId = uid("remove");
  const confirm = h("button", { type: "submit", value: "remove", class: "btn btn--danger", id: "confirm-remove" }, t("licenses.removeConfirm"));
  const cancel = h("button", { type: "submit", value: "cancel", class: "btn btn--secondary", autofocus: true }, t("cancel"));
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": titleId, id: "confirm-waitlist-removal" },
    h(
      "form",
      { method: "dialog", class: "dialog__form" },
      h("h2", { id: titleId, class: "dialog__title" }, t("licenses.removeTitle", { name: who })),
      h("p", {}, t("licenses.removeBody", { name: who, product: product.name })),
      h("div", { class: "dialog__actions" }, confirm, cancel),
    ),
  );
  dialog.addEventListener("close", async () => {
    const confirmed = dialog.returnValue === "remove";
    dialog.remove();
    if (!confirmed) {
      if (opener.isConnected) opener.focus();
      return;
    }
    clear(alert);
    view.say("");
    opener.disabled = true;
    try {
      await ctx.api.delete(path(product, "waitlist", entry.email));
      view.changed();
      view.say(t("licenses.removed", { name: who }));
    } catch (error) {
      // Gone already (seated meanwhile, or removed by someone else): the list says how it stands.
      if (!isNotFound(error)) {
        opener.disabled = false;
        alert.append(messageBar("error", errorText(error)));
        alert.focus();
        return;
      }
      view.changed();
    }
    await loadWaitlist(view, index);
  });
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}

async function loadHolders(view, focusEmail = null) {
  const { ctx, product, holdersArea } = view;
  let items;
  try {
    items = (await ctx.api.get(path(product, "assignments"))).assignments;
  } catch (error) {
    clear(holdersArea).append(messageBar(isNotFound(error) ? "info" : "error", isNotFound(error) ? t("licenses.holdersUnavailable") : errorText(error)));
    return;
  }
  if (!view.dialog.isConnected) return;
  clear(holdersArea);
  if (!items.length) {
    holdersArea.append(h("p", { class: "empty__title", id: "holders-empty" }, t("licenses.holdersEmpty", { name: product.name })));
    return;
  }
  // Those that end soonest first; permanent ones after, by address.
  const sorted = [...items].sort((a, b) => (a.expiresAt || "\uffff").localeCompare(b.expiresAt || "\uffff") || a.email.localeCompare(b.email));
  const rows = sorted.map((holder) => {
    let action = null;
    if (holder.expiresAt) {
      action = h("button", { type: "button", class: "btn btn--subtle btn--small", "aria-label": t("licenses.extendLabel", { name: holder.email }), dataset: { email: holder.email } }, t("licenses.extend"));
      action.addEventListener("click", () => openExtend(view, holder, action));
    }
    return h(
      "tr",
      { dataset: { email: holder.email } },
      h("th", { scope: "row" }, holder.email),
      h("td", {}, holder.assignedAt ? h("time", { datetime: holder.assignedAt }, formatDate(holder.assignedAt)) : "—"),
      h("td", { class: "holder-expiry" }, holder.expiresAt ? h("time", { datetime: holder.expiresAt }, formatDate(holder.expiresAt)) : t("licenses.permanent")),
      h("td", {}, holder.requestId ? h("a", { href: `#/requests/${encodeURIComponent(holder.requestId)}`, class: "link" }, t("licenses.openRequest")) : null),
      h("td", {}, action),
    );
  });
  holdersArea.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table", id: "holders-table" },
        h("caption", { class: "visually-hidden" }, t("licenses.holdersCaption", { name: product.name })),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("licenses.col.person")),
            h("th", { scope: "col" }, t("licenses.col.assigned")),
            h("th", { scope: "col" }, t("licenses.col.expires")),
            h("th", { scope: "col" }, t("licenses.col.request")),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("products.col.actions"))),
          ),
        ),
        h("tbody", {}, rows),
      ),
    ),
  );
  if (focusEmail) holdersArea.querySelector(`tr[data-email="${CSS.escape(focusEmail)}"] button`)?.focus();
}

/** Extend `holder`'s license by 30 or 90 days or until a date after its current end. */
function openExtend(view, holder, opener) {
  const { ctx, product } = view;
  const titleId = uid("extend");
  const alert = h("div", { class: "form-alert" });
  const choice = durationField({ extend: true, after: holder.expiresAt.slice(0, 10) });
  const save = h("button", { type: "submit", value: "extend", class: "btn btn--primary", id: "confirm-extend" }, t("licenses.extend"));
  const cancel = h("button", { type: "button", class: "btn btn--secondary" }, t("cancel"));
  const form = h(
    "form",
    { class: "dialog__form form", novalidate: true },
    h("h2", { id: titleId, class: "dialog__title" }, t("licenses.extendTitle", { name: holder.email })),
    h("p", {}, t("licenses.extendNow", { date: formatDate(holder.expiresAt) })),
    alert,
    choice.element,
    h("div", { class: "dialog__actions" }, save, cancel),
  );
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId, id: "extend-dialog" }, form);
  let extended = false;
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (!extended && opener.isConnected) opener.focus();
  });
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(alert);
    const body = choice.body();
    if (!body) {
      alert.append(messageBar("error", t("terms.extend.invalid")));
      return;
    }
    save.disabled = true;
    try {
      const saved = await ctx.api.post(path(product, "assignments", holder.email, "extend"), body);
      extended = true;
      dialog.close();
      view.changed();
      view.say(t("licenses.extended", { name: holder.email, date: formatDate(saved.data?.expiresAt) }));
      await loadHolders(view, holder.email);
    } catch (error) {
      save.disabled = false;
      alert.append(messageBar("error", errorText(error)));
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector("input[type=radio]").focus();
}
