// Requesters: the products they can request and the request form (R1, R2, R6, with the
// people picker of X11); a request for a product they already asked for is added to the
// pending one (X3), and the form says so before sending. My requests: my-requests.js.

import { badge, clear, field, h, messageBar, uid } from "../dom.js";
import { errorText, hasCode } from "../errors.js";
import { formatDate, t } from "../i18n.js";
import { avatar, displayName, personText } from "../widgets.js";
import { loadMyRequests, roleIn } from "./my-requests.js";
import { peoplePicker } from "./people-picker.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function ownProcessNotice(process) {
  const titleId = uid("own-process");
  const link = process.documentationUrl
    ? h(
        "p",
        {},
        h("a", { href: process.documentationUrl, class: "btn btn--primary", id: "own-process-link", rel: "noopener noreferrer", target: "_blank" }, t("request.ownProcessLink"), h("span", { class: "icon icon--open", "aria-hidden": "true" })),
      )
    : null;
  return h(
    "section",
    { class: "notice card", "aria-labelledby": titleId },
    h("h2", { class: "notice__title", id: titleId }, t("request.ownProcess")),
    h("p", { class: "notice__message", id: "own-process-message" }, process.message || ""),
    link,
  );
}

export async function renderRequestPage(ctx, { productId = null } = {}) {
  const { main } = ctx;
  const [process, products] = await Promise.all([ctx.api.get("/settings/request-process"), ctx.api.get("/products").then((r) => r.items)]);
  if (!ctx.isCurrent()) return;
  const intro = process.useOwnProcess ? null : h("p", { class: "intro" }, t("request.intro"));
  const page = h("div", { class: "page" }, h("div", { class: "page-header" }, h("h1", {}, t("request.title")), intro));
  clear(main).append(page);
  if (process.useOwnProcess) {
    page.append(ownProcessNotice(process));
    return;
  }
  const product = productId ? products.find((p) => p.id === productId) : null;
  if (product && product.selfServicePurchase === "blocked") {
    // Sending again while one is pending adds to it (X3): find it to say so first.
    const pending = await pendingRequestFor(ctx, product.id);
    if (!ctx.isCurrent()) return;
    // A tenant with Microsoft 365 products is connected: colleagues come from its directory.
    page.append(requestForm(ctx, product, products.some((p) => p.source === "microsoft365"), pending));
    return;
  }
  if (!products.length) {
    page.append(h("div", { class: "empty", id: "request-empty" }, h("p", { class: "empty__title" }, t("request.empty")), h("p", {}, t("request.emptyNext"))));
    return;
  }
  const rows = products.map((p) =>
    h(
      "tr",
      { dataset: { product: p.id } },
      h("th", { scope: "row" }, p.name),
      h("td", {}, p.servicePlans.map((s) => s.name).join(", ")),
      h(
        "td",
        {},
        p.selfServicePurchase === "blocked"
          ? h("a", { href: `#/request/${encodeURIComponent(p.id)}`, class: "btn btn--secondary btn--small", "aria-label": t("request.chooseLabel", { name: p.name }) }, t("request.choose"))
          : h("span", { class: "cell-sub" }, t("request.selfService")),
      ),
    ),
  );
  page.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table", id: "request-products" },
        h("caption", { class: "visually-hidden" }, t("request.caption")),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("request.col.product")), h("th", { scope: "col" }, t("request.col.apps")), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("request.col.action"))))),
        h("tbody", {}, rows),
      ),
    ),
  );
}

/** The caller's own pending request for `productId` (X3), or null (also when unknown). */
async function pendingRequestFor(ctx, productId) {
  try {
    const mine = await loadMyRequests(ctx);
    return mine.find((r) => r.productId === productId && r.status === "pending" && roleIn(r, ctx.user) === "requester") || null;
  } catch {
    return null; // no warning: the API still merges
  }
}

function mergeNotice(product, pending) {
  const notice = messageBar(
    "info",
    h("p", {}, t("request.merge", { product: product.name, date: formatDate(pending.createdAt) })),
    h("p", {}, h("a", { href: `#/my/${encodeURIComponent(pending.id)}`, class: "link" }, t("request.mergeView"))),
  );
  notice.id = "merge-notice";
  notice.setAttribute("role", "note");
  return notice;
}

function requestForm(ctx, product, connected, pending) {
  // Other users: {email, name}; `unknown` holds the addresses the directory refused.
  const others = [];
  const unknown = new Set();
  const alert = h("div", { class: "form-alert", tabindex: "-1" });
  const list = h("ul", { class: "people", id: "other-users" });
  const email = h("input", { type: "email", id: "other-email", autocomplete: "off", maxlength: "254", spellcheck: "false" });
  const emailLabel = h("label", { for: "other-email", class: "field__label" }, t("request.otherEmail"));
  const emailStatus = h("p", { class: "field__help", id: "other-email-status", role: "status" });
  const emailError = h("p", { class: "field__error", id: "other-email-error", role: "alert" });
  const comboWrap = h("div", {}, email);
  const add = h("button", { type: "button", class: "btn btn--secondary", id: "add-user" }, h("span", { class: "icon icon--add", "aria-hidden": "true" }), t("request.addUser"));
  const justification = h("textarea", { id: "justification", rows: "4", maxlength: "1000" });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, t("request.submit"));
  const titleId = uid("form");
  const isListed = (address) => others.some((o) => o.email.toLowerCase() === address.toLowerCase()) || address.toLowerCase() === ctx.user.email.toLowerCase();

  function renderOthers() {
    clear(list);
    for (const other of others) {
      const address = other.email;
      const remove = h("button", { type: "button", class: "btn btn--icon", "aria-label": t("request.removeUser", { email: address }), title: t("request.removeUser", { email: address }) }, h("span", { class: "icon icon--dismiss", "aria-hidden": "true" }));
      remove.addEventListener("click", () => {
        others.splice(others.indexOf(other), 1);
        unknown.delete(address.toLowerCase());
        renderOthers();
        email.focus();
      });
      const refused = unknown.has(address.toLowerCase());
      list.append(
        h(
          "li",
          { class: `people__item${refused ? " people__item--invalid" : ""}`, dataset: { email: address } },
          avatar(displayName(other)),
          personText(other),
          refused ? badge("danger", t("request.unknownUser")) : null,
          remove,
        ),
      );
    }
  }

  function addPerson(person) {
    clear(emailError);
    email.removeAttribute("aria-invalid");
    if (isListed(person.email)) {
      email.setAttribute("aria-invalid", "true");
      emailError.append(t("request.duplicateEmail", { email: person.email }));
    } else {
      others.push(person);
      renderOthers();
    }
    email.focus();
  }

  function addOther() {
    const value = email.value.trim();
    clear(emailError);
    email.removeAttribute("aria-invalid");
    if (!value) return;
    let problem = null;
    if (!EMAIL.test(value)) problem = t("request.invalidEmail");
    else if (isListed(value)) problem = t("request.duplicateEmail", { email: value });
    if (problem) {
      email.setAttribute("aria-invalid", "true");
      emailError.append(problem);
      email.focus();
      return;
    }
    others.push({ email: value, name: null });
    email.value = "";
    picker.added(value);
    renderOthers();
    email.focus();
  }
  add.addEventListener("click", addOther);
  email.setAttribute("aria-describedby", "other-email-status other-email-error");
  // Before the Enter-adds handler: Enter on a highlighted suggestion picks that person.
  const picker = peoplePicker(ctx, { input: email, wrap: comboWrap, label: emailLabel, status: emailStatus, onPick: addPerson, skip: isListed, enabled: connected });
  email.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addOther();
    }
  });

  const form = h(
    "form",
    { class: "form card", "aria-labelledby": titleId, novalidate: true },
    h("h2", { id: titleId }, t("request.formTitle", { name: product.name })),
    pending ? mergeNotice(product, pending) : null,
    alert,
    h("p", {}, t("request.youIncluded")),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, t("request.others")),
      list,
      h("div", { class: "inline-field" }, h("div", { class: "field" }, emailLabel, comboWrap), add),
      emailStatus,
      emailError,
    ),
    field(t("request.justification"), justification),
    h("div", { class: "actions" }, submit, h("a", { href: "#/request", class: "btn btn--secondary" }, t("request.back"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (email.value.trim()) {
      addOther();
      if (email.value.trim()) return;
    }
    submit.disabled = true;
    clear(alert);
    try {
      const { status, data } = await ctx.api.post("/requests", {
        productId: product.id,
        users: others.map((o) => (o.name ? { email: o.email, name: o.name } : { email: o.email })),
        justification: justification.value.trim() || null,
      });
      // 200: added to the pending request (X3), which My requests then highlights.
      ctx.session.myNotice = status === 201 ? "request.sent" : "request.merged";
      ctx.navigate(data?.id ? `#/my/${encodeURIComponent(data.id)}` : "#/my");
    } catch (error) {
      submit.disabled = false;
      if (hasCode(error, "own_request_process")) {
        form.replaceWith(ownProcessNotice(error.problem));
        return;
      }
      if (hasCode(error, "unknown_user")) {
        for (const address of error.problem.users || []) unknown.add(String(address).toLowerCase());
        renderOthers();
      }
      alert.append(messageBar("error", errorText(error)));
      alert.focus();
    }
  });
  return form;
}
