// Admin: the Requests tab (R3, R6), its detail pane (R8-R12, X1, X2) and the
// "Use your own request process" pane (R6, R7).

import { ApiError } from "../api.js";
import { badge, clear, field, focusFirst, h, messageBar, uid } from "../dom.js";
import { formatDate, formatNumber, t } from "../i18n.js";

const PAGE_SIZE = 25;
const FILTERS = ["pending", "completed", "all"];
const STATUS_BADGE = { pending: "warning", approved: "success", denied: "danger" };

// The list survives opening and closing panes; it is reloaded on filter change and decisions.
const list = { filter: "pending", items: [], nextCursor: null, process: null, loaded: false, tenant: null };

export function statusBadge(status) {
  return badge(STATUS_BADGE[status] || "neutral", t(`status.${status}`));
}

export function outcomeBadge(outcome) {
  const kind = { assigned: "success", alreadyLicensed: "info", notAssigned: "danger" }[outcome] || "warning";
  return badge(kind, t(`outcome.${outcome}`));
}

/** Product B fulfils A when B's service plans include all of A's (A always fulfils A). */
export function fulfillingProducts(requestedId, products) {
  const requested = products.find((p) => p.id === requestedId);
  if (!requested) return [];
  const needed = requested.servicePlans.map((p) => p.id);
  const fulfilling = products.filter((p) => {
    if (p.id === requested.id) return true;
    const plans = new Set(p.servicePlans.map((s) => s.id));
    return needed.every((id) => plans.has(id));
  });
  return [requested, ...fulfilling.filter((p) => p.id !== requested.id).sort((a, b) => a.name.localeCompare(b.name))];
}

function freeLicences(product) {
  return Math.max((product.totalLicenses ?? 0) - (product.assignedLicenses ?? 0), 0);
}

function initials(name) {
  const parts = String(name || "?").replace(/@.*/, "").split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts[1]?.[0] || "")).toUpperCase();
}

function avatar(name) {
  let hash = 0;
  for (const c of String(name)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return h("span", { class: `avatar avatar--${hash % 6}`, "aria-hidden": "true" }, initials(name));
}

function displayName(user) {
  return user.name || user.email;
}

function personText(user) {
  return h(
    "span",
    { class: "people__text" },
    h("span", { class: "people__name" }, displayName(user)),
    user.name ? h("span", { class: "people__email" }, user.email) : null,
  );
}

async function loadList(ctx, { append = false } = {}) {
  const params = new URLSearchParams({ status: list.filter, limit: String(PAGE_SIZE) });
  if (append && list.nextCursor) params.set("cursor", list.nextCursor);
  const page = await ctx.api.get(`/requests?${params}`);
  list.items = append ? [...list.items, ...page.items] : page.items;
  list.nextCursor = page.nextCursor;
  list.process = page.requestProcess;
  list.loaded = true;
  list.tenant = ctx.user.tenant + ctx.user.email;
}

export async function renderRequests(ctx, { requestId = null, ownProcess = false } = {}) {
  const { main } = ctx;
  if (!list.loaded || list.tenant !== ctx.user.tenant + ctx.user.email) {
    list.filter = "pending";
    clear(main).append(h("div", { class: "page" }, h("h1", {}, t("requests.title")), h("p", { class: "loading" }, t("loading"))));
    await loadList(ctx);
    if (!ctx.isCurrent()) return;
  }
  const listArea = h("div", { class: "split__list" });
  const paneArea = h("div", { class: "split__pane" });
  const bannerSlot = h("div", { class: "banner-slot" });
  const refreshList = () => {
    renderBanner(bannerSlot);
    renderTable(ctx, listArea, requestId);
  };
  const page = h(
    "div",
    { class: "page page--wide" },
    h("div", { class: "page-header" }, h("h1", {}, t("requests.title")), h("p", { class: "intro" }, t("requests.intro"))),
    bannerSlot,
    commandBar(ctx, refreshList),
    h("div", { class: `split${requestId || ownProcess ? " split--open" : ""}` }, listArea, paneArea),
  );
  clear(main).append(page);
  refreshList();
  if (requestId) await renderDetail(ctx, paneArea, requestId);
  else if (ownProcess) await renderProcessPane(ctx, paneArea);
}

function renderBanner(slot) {
  clear(slot);
  if (list.process?.useOwnProcess) {
    slot.append(
      messageBar(
        "warning",
        h("span", {}, t("requests.banner")),
        " ",
        h("a", { href: "#/own-process", class: "link" }, t("requests.bannerEdit")),
      ),
    );
  }
}

function commandBar(ctx, refreshList) {
  const group = uid("filter");
  const radios = FILTERS.map((value) => {
    const id = `${group}-${value}`;
    const input = h("input", { type: "radio", name: group, id, value, checked: list.filter === value });
    input.addEventListener("change", async () => {
      list.filter = value;
      try {
        await loadList(ctx);
        refreshList();
      } catch (error) {
        ctx.toast(problemText(error));
      }
    });
    return h("span", { class: "segmented__item" }, input, h("label", { for: id }, t(`requests.filter.${value}`)));
  });
  const refresh = h("button", { type: "button", class: "btn btn--subtle" }, h("span", { class: "icon icon--refresh", "aria-hidden": "true" }), t("requests.refresh"));
  refresh.addEventListener("click", async () => {
    try {
      await loadList(ctx);
      refreshList();
    } catch (error) {
      ctx.toast(problemText(error));
    }
  });
  return h(
    "div",
    { class: "command-bar" },
    h("fieldset", { class: "segmented" }, h("legend", { class: "segmented__legend" }, t("requests.filter")), ...radios),
    h("div", { class: "command-bar__end" }, refresh, h("a", { href: "#/own-process", class: "btn btn--subtle", id: "own-process-link" }, h("span", { class: "icon icon--settings", "aria-hidden": "true" }), t("requests.ownProcessLink"))),
  );
}

function renderTable(ctx, area, selectedId) {
  clear(area);
  if (!list.items.length) {
    area.append(h("p", { class: "empty" }, t(`requests.empty.${list.filter}`)));
    return;
  }
  const rows = list.items.map((item) =>
    h(
      "tr",
      { class: item.id === selectedId ? "is-selected" : null, "aria-current": item.id === selectedId ? "true" : null },
      h("th", { scope: "row" }, h("a", { href: `#/requests/${encodeURIComponent(item.id)}`, class: "row-link" }, item.productName)),
      h("td", {}, h("span", { class: "person" }, avatar(displayName(item.requester)), h("span", {}, displayName(item.requester)))),
      h("td", {}, h("time", { datetime: item.createdAt }, formatDate(item.createdAt))),
      h("td", { class: "num" }, formatNumber(item.userCount)),
      h("td", {}, statusBadge(item.status)),
    ),
  );
  const table = h(
    "table",
    { class: "table", id: "requests-table" },
    h("caption", { class: "visually-hidden" }, t("requests.caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("requests.col.product")),
        h("th", { scope: "col" }, t("requests.col.requester")),
        h("th", { scope: "col" }, t("requests.col.date")),
        h("th", { scope: "col", class: "num" }, t("requests.col.users")),
        h("th", { scope: "col" }, t("requests.col.status")),
      ),
    ),
    h("tbody", {}, rows),
  );
  area.append(h("div", { class: "table-wrap" }, table));
  if (list.nextCursor) {
    const more = h("button", { type: "button", class: "btn btn--secondary", id: "load-more" }, t("requests.more"));
    more.addEventListener("click", async () => {
      more.disabled = true;
      const before = list.items.length;
      await loadList(ctx, { append: true });
      renderTable(ctx, area, selectedId);
      area.querySelectorAll("tbody tr")[before]?.querySelector("a")?.focus();
    });
    area.append(h("div", { class: "actions" }, more));
  }
}

function paneShell(titleText, ...body) {
  const titleId = uid("pane-title");
  return h(
    "aside",
    { class: "pane", "aria-labelledby": titleId },
    h(
      "div",
      { class: "pane__header" },
      h("h2", { id: titleId, class: "pane__title" }, titleText),
      h("a", { href: "#/requests", class: "btn btn--icon", "aria-label": t("close"), title: t("close") }, h("span", { class: "icon icon--dismiss", "aria-hidden": "true" })),
    ),
    ...body,
  );
}

function problemText(error, extra = {}) {
  if (!(error instanceof ApiError)) return t("error.generic", { detail: String(error?.message || error) });
  const code = error.code;
  if (code === "network") return t("error.network");
  if (code === "insufficient_licenses") return t("error.insufficient_licenses", { ...extra, ...error.problem });
  if (code === "already_decided" || code === "no_users_left") return t(`error.${code}`);
  return t("error.generic", { detail: error.problem.detail || error.message });
}

// ---- detail pane --------------------------------------------------------------------------

async function renderDetail(ctx, area, requestId, notice = null) {
  clear(area).append(h("aside", { class: "pane", "aria-busy": "true", "aria-label": t("detail.label") }, h("p", { class: "loading" }, t("loading"))));
  let request;
  let products;
  try {
    [request, products] = await Promise.all([ctx.api.get(`/requests/${encodeURIComponent(requestId)}`), ctx.api.get("/products").then((r) => r.items)]);
  } catch (error) {
    if (!ctx.isCurrent()) return;
    const text = error instanceof ApiError && error.status === 404 ? t("detail.notFound") : problemText(error);
    clear(area).append(paneShell(t("detail.label"), messageBar("error", text)));
    return;
  }
  if (!ctx.isCurrent()) return;
  const alert = h("div", { class: "form-alert", id: "pane-alert", tabindex: "-1" });
  if (notice) alert.append(notice);
  const meta = h(
    "div",
    { class: "pane__meta" },
    h("p", {}, t("detail.requestedBy", { name: request.requester.name, email: request.requester.email })),
    h("p", {}, t("detail.requestedOn", { date: formatDate(request.createdAt) })),
    h("p", {}, statusBadge(request.status)),
  );
  const body = [meta, alert];
  if (request.justification) {
    body.push(h("section", { class: "pane__section" }, h("h3", {}, t("detail.justification")), h("p", { class: "quote" }, request.justification)));
  }
  if (request.status === "pending") body.push(decisionForm(ctx, area, request, products, alert));
  else body.push(decisionSummary(request, products));
  clear(area).append(paneShell(request.productName, ...body));
  if (notice) alert.focus();
  else focusFirst(area, "h2");
}

function decisionSummary(request, products) {
  const decision = request.decision;
  const byId = Object.fromEntries(products.map((p) => [p.id, p]));
  const product = decision?.productId ? byId[decision.productId] : null;
  const planNames = Object.fromEntries((product?.servicePlans || []).map((p) => [p.id, p.name]));
  const parts = [];
  if (decision) {
    const rows = [
      [t("detail.decided"), t("detail.decidedBy", { action: t(`detail.action.${decision.action}`), name: decision.decidedBy.name, date: formatDate(decision.decidedAt) })],
    ];
    if (decision.action === "approve") {
      rows.push([t("detail.assignedProduct"), product?.name || decision.productId]);
      if (decision.disabledServicePlans.length) {
        rows.push([t("detail.disabledApps"), decision.disabledServicePlans.map((id) => planNames[id] || id).join(", ")]);
      }
    }
    if (decision.message) rows.push([t("detail.adminMessage"), decision.message]);
    parts.push(h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  }
  parts.push(
    h("h3", {}, t("detail.users")),
    h(
      "ul",
      { class: "people" },
      request.users.map((u) =>
        h("li", { class: "people__item" }, avatar(displayName(u)), personText(u), outcomeBadge(u.outcome)),
      ),
    ),
  );
  return h("section", { class: "pane__section" }, ...parts);
}

function decisionForm(ctx, area, request, products, alert) {
  const excluded = new Set();
  const fulfilling = fulfillingProducts(request.productId, products);
  let chosen = fulfilling[0] || null;
  const form = h("form", { class: "form pane__form", novalidate: true });

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
      const item = h("li", { class: "people__item" }, avatar(name), personText(user), button);
      (out ? excludedList : usersList).append(item);
    }
    if (!excludedList.children.length) excludedList.append(h("li", { class: "people__empty" }, t("detail.noneExcluded")));
    clear(usersHint);
    if (excluded.size === request.users.length) usersHint.append(messageBar("warning", t("detail.noUsersLeft")));
    approve.disabled = excluded.size === request.users.length;
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
        const free = freeLicences(product);
        const input = h("input", { type: "radio", name: "product", id, value: product.id, checked: index === 0 });
        input.addEventListener("change", () => {
          chosen = product;
          renderApps();
        });
        return h(
          "div",
          { class: "check check--radio" },
          input,
          h("label", { for: id }, h("span", { class: "check__title" }, product.name), h("span", { class: "check__meta" }, t(free === 1 ? "detail.availableOne" : "detail.available", { count: formatNumber(free) }))),
        );
      }),
    );
  } else if (chosen) {
    const free = freeLicences(chosen);
    productSection = h("p", { class: "field__help" }, t(free === 1 ? "detail.licensesFreeOne" : "detail.licensesFree", { product: chosen.name, count: formatNumber(free) }));
  }

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
      await ctx.api.post(`/requests/${encodeURIComponent(request.id)}/${action}`, body);
      notice = messageBar("success", t(action === "approve" ? "detail.approved" : "detail.denied"));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "already_decided")) {
        alert.append(messageBar("error", problemText(error, { product: chosen?.name || request.productName })));
        form.removeAttribute("aria-busy");
        deny.disabled = false;
        renderUsers();
        alert.querySelector(".message-bar")?.scrollIntoView({ block: "nearest" });
        return;
      }
      // Decided elsewhere: show the decision that stands instead of a form that cannot succeed.
      notice = messageBar("warning", problemText(error));
    }
    await loadList(ctx).catch(() => {});
    if (!ctx.isCurrent()) return;
    renderTable(ctx, area.parentElement.querySelector(".split__list"), request.id);
    await renderDetail(ctx, area, request.id, notice);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const disabled = [...form.querySelectorAll("input[name=plan]")].filter((box) => !box.checked).map((box) => box.value);
    decide("approve", {
      excludeUsers: [...excluded],
      productId: chosen?.id || null,
      disabledServicePlans: disabled,
      message: message.value.trim() || null,
    });
  });

  const dialog = confirmDialog(request, () => decide("deny", { message: message.value.trim() || null }));
  deny.addEventListener("click", () => dialog.showModal());

  form.append(
    h(
      "section",
      { class: "pane__section" },
      h("h3", {}, t("detail.users")),
      h("p", { class: "field__help" }, t("detail.usersHelp")),
      usersList,
      h("h3", {}, t("detail.excluded")),
      excludedList,
      usersHint,
    ),
    productSection ? h("section", { class: "pane__section" }, productSection) : null,
    h("section", { class: "pane__section" }, appsSlot),
    h("section", { class: "pane__section" }, field(t("detail.message"), message, t("detail.messageHelp"))),
    h("div", { class: "pane__footer" }, approve, deny),
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

// ---- own request process pane --------------------------------------------------------------

async function renderProcessPane(ctx, area) {
  clear(area).append(h("aside", { class: "pane", "aria-busy": "true", "aria-label": t("process.title") }, h("p", { class: "loading" }, t("loading"))));
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
    h("div", { class: "pane__footer" }, save, h("a", { href: "#/requests", class: "btn btn--secondary" }, t("cancel"))),
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
      await loadList(ctx);
      ctx.navigate("#/requests");
    } catch (error) {
      alert.append(messageBar("error", problemText(error)));
      save.disabled = false;
    }
  });
  clear(area).append(paneShell(t("process.title"), form));
  focusFirst(area, "h2");
}
