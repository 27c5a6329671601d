// The Requests tab (R3, R6, X14) for admins and a product's approvers: the status filter
// with its counts, search, product filter and order, the table with a selection for bulk
// decisions, "Load more", the CSV export, the own-process banner, and the page that holds
// the list beside a pane.

import { clear, h, messageBar, saveFile, uid } from "../../dom.js";
import { errorText } from "../../errors.js";
import { formatDate, formatDay, formatNumber, formatTimeAfterDay, t } from "../../i18n.js";
import { avatar, displayName, statusBadge } from "../../widgets.js";
import { bulkBar, failureSummary, summarise, summaryBar } from "./bulk.js";

const PAGE_SIZE = 25;
const FILTERS = ["pending", "completed", "all"];
// Typing pauses this long (ms) before the list is searched.
const SEARCH_DELAY = 300;

// The list's state, owned by this module: it survives opening and closing panes, and is
// reloaded on filter change and decisions. `owner` is whose list it is (null: not loaded).
// `q`, `productId` and `oldestFirst` narrow and order it; a cursor belongs to the set of
// filters it came with, so changing one starts again from the first page. `selected`
// holds the ids of the pending requests ticked for a bulk decision; `summary` is the
// outcome of the last one, shown once.
const state = {
  filter: "pending",
  q: "",
  productId: "",
  oldestFirst: false,
  items: [],
  nextCursor: null,
  process: null,
  counts: null,
  products: [],
  selected: new Set(),
  summary: null,
  owner: null,
  returnTo: null,
};
// Each load takes a number: an answer to an older one (a slower search) is dropped.
let loads = 0;

/**
 * After a pane closes, focus goes back to what opened it: the row of request `id`, or
 * the own-process link (`id` null). Called before navigating to the bare list.
 */
export function returnFocusTo(id) {
  state.returnTo = { id };
}

function ownerOf(ctx) {
  return ctx.user.tenant + ctx.user.email;
}

function filtered() {
  return Boolean(state.q || state.productId);
}

/** Load the first page (or, `append`, the next) of the list as filtered; false when a
 * newer load has started meanwhile (its answer stands, not this one). */
async function load(ctx, { append = false } = {}) {
  const ticket = ++loads;
  const params = new URLSearchParams({ status: state.filter, limit: String(PAGE_SIZE) });
  if (state.q) params.set("q", state.q);
  if (state.productId) params.set("productId", state.productId);
  if (state.oldestFirst) params.set("sort", "createdAt");
  if (append && state.nextCursor) params.set("cursor", state.nextCursor);
  const page = await ctx.api.get(`/requests?${params}`);
  if (ticket !== loads) return false;
  state.items = append ? [...state.items, ...page.items] : page.items;
  state.nextCursor = page.nextCursor;
  state.process = page.requestProcess;
  // The tenant's counts come to admins only; a product's approver sees none.
  state.counts = page.counts || null;
  state.owner = ownerOf(ctx);
  // Only what is still listed and pending stays selected.
  const pending = new Set(state.items.filter((item) => item.status === "pending").map((item) => item.id));
  for (const id of state.selected) if (!pending.has(id)) state.selected.delete(id);
  return true;
}

/**
 * The products of the product filter: the catalogue for admins; for a product's approver,
 * the products they approve (the API gives them those products' counts and approvers).
 */
async function loadProducts(ctx) {
  try {
    const items = (await ctx.api.get("/products")).items;
    return ctx.user.isAdmin ? items : items.filter((p) => Array.isArray(p.approvers));
  } catch {
    return []; // the filter is a convenience: the list shows without it
  }
}

/** Whether the product filter is offered: to admins, and to an approver of several products. */
function offersProductFilter(ctx) {
  return ctx.user.isAdmin || state.products.length > 1;
}

/**
 * Show the Requests page: the list (loaded for a new user), and an empty pane area, open
 * when `paneOpen`. Returns null when the view changed meanwhile, else
 * `{ pane, reload(), reloadTable() }`: the pane's element; reload the list (it throws);
 * reload it and redraw the table (it never throws).
 */
export async function renderListPage(ctx, { selectedId = null, paneOpen = false } = {}) {
  const { main } = ctx;
  if (state.owner !== ownerOf(ctx)) {
    Object.assign(state, { filter: "pending", q: "", productId: "", oldestFirst: false, summary: null, products: [] });
    state.selected.clear();
    clear(main).append(h("div", { class: "page" }, h("h1", {}, t("requests.title")), h("p", { class: "loading" }, t("loading"))));
    const [, products] = await Promise.all([load(ctx), loadProducts(ctx)]);
    state.products = products;
    if (!ctx.isCurrent()) return null;
  } else {
    // The catalogue may have changed since: the filter's options follow when it comes.
    loadProducts(ctx).then((products) => {
      if (!products.length) return;
      state.products = products;
      if (ctx.isCurrent()) fillProducts(document.getElementById("requests-product"));
    });
  }
  const listArea = h("div", { class: "split__list" });
  const paneArea = h("div", { class: "split__pane" });
  const bannerSlot = h("div", { class: "banner-slot" });
  const summarySlot = h("div", { class: "summary-slot" });
  const view = { ctx, listArea, summarySlot, selectedId, paneOpen, counts: new Map() };
  view.refresh = () => {
    renderBanner(ctx, bannerSlot);
    renderCounts(view);
    renderTable(view);
  };
  const page = h(
    "div",
    // With a pane: as tall as the window, the list and the pane each scrolling (styles.css).
    { class: `page page--wide${paneOpen ? " page--split" : ""}` },
    h("div", { class: "page-header" }, h("h1", {}, t("requests.title")), h("p", { class: "intro" }, t(ctx.user.isAdmin ? "requests.intro" : "requests.introApprover"))),
    bannerSlot,
    commandBar(view),
    filterBar(view),
    summarySlot,
    h("div", { class: `split${paneOpen ? " split--open" : ""}` }, listArea, paneArea),
  );
  clear(main).append(page);
  if (state.summary) {
    // The outcome of a bulk decision, shown once (a pane opened next does not repeat it).
    summarySlot.append(summaryBar(state.summary));
    state.summary = null;
  }
  view.refresh();
  if (!paneOpen && state.returnTo) {
    const { id } = state.returnTo;
    state.returnTo = null;
    const target = id ? listArea.querySelector(`a[data-request="${CSS.escape(id)}"]`) : page.querySelector("#own-process-link");
    target?.focus();
  }
  return {
    pane: paneArea,
    reload: () => load(ctx),
    reloadTable: async () => {
      await load(ctx).catch(() => {});
      if (!ctx.isCurrent()) return;
      view.refresh();
    },
  };
}

function renderBanner(ctx, slot) {
  clear(slot);
  if (state.process?.useOwnProcess) {
    slot.append(
      messageBar(
        "warning",
        h("span", {}, t("requests.banner")),
        // The setting is the admins' (a product's approver may not change it).
        ctx.user.isAdmin ? [" ", h("a", { href: "#/own-process", class: "link" }, t("requests.bannerEdit"))] : null,
      ),
    );
  }
}

/** Load the list again from its first page (a filter changed): the old cursor, selection
 * and summary go. Errors are shown as a toast; the list stays as it was. */
async function reloadFromStart(view) {
  const { ctx, listArea, summarySlot } = view;
  state.nextCursor = null;
  state.selected.clear();
  clear(summarySlot);
  const more = listArea.querySelector("#load-more");
  if (more) more.disabled = true;
  listArea.setAttribute("aria-busy", "true");
  try {
    if (!(await load(ctx))) return;
  } catch (error) {
    ctx.toast(errorText(error), "error");
    return;
  } finally {
    listArea.removeAttribute("aria-busy");
  }
  if (ctx.isCurrent()) view.refresh();
}

function commandBar(view) {
  const { ctx } = view;
  const group = uid("filter");
  const radios = FILTERS.map((value) => {
    const id = `${group}-${value}`;
    const input = h("input", { type: "radio", name: group, id, value, checked: state.filter === value });
    input.addEventListener("change", () => {
      state.filter = value;
      reloadFromStart(view);
    });
    const label = h("label", { for: id }, t(`requests.filter.${value}`));
    view.counts.set(value, label);
    return h("span", { class: "segmented__item" }, input, label);
  });
  const refresh = h("button", { type: "button", class: "btn btn--subtle" }, h("span", { class: "icon icon--refresh", "aria-hidden": "true" }), t("requests.refresh"));
  refresh.addEventListener("click", () => reloadFromStart(view));
  const end = [refresh];
  if (ctx.user.isAdmin) {
    end.push(
      exportButton(ctx),
      h("a", { href: "#/own-process", class: "btn btn--subtle", id: "own-process-link" }, h("span", { class: "icon icon--settings", "aria-hidden": "true" }), t("requests.ownProcessLink")),
    );
  }
  return h(
    "div",
    { class: "command-bar" },
    h("fieldset", { class: "segmented" }, h("legend", { class: "segmented__legend" }, t("requests.filter")), ...radios),
    h("div", { class: "command-bar__end" }, ...end),
  );
}

/** "Pending (12)", "Completed (40)": the tenant's counts, when the API gives them. */
function renderCounts(view) {
  for (const [value, label] of view.counts) {
    const count = state.counts?.[value];
    label.textContent = typeof count === "number" ? t("requests.filterCount", { label: t(`requests.filter.${value}`), count: formatNumber(count) }) : t(`requests.filter.${value}`);
  }
}

/** Search (debounced), the product (admins) and the order: each starts the list again. */
function filterBar(view) {
  const { ctx } = view;
  const search = h("input", {
    type: "search",
    id: "requests-search",
    maxlength: "100",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: t("requests.searchPlaceholder"),
    value: state.q,
  });
  let timer = null;
  const apply = () => {
    clearTimeout(timer);
    const q = search.value.trim();
    if (q === state.q) return;
    state.q = q;
    reloadFromStart(view);
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, SEARCH_DELAY);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      apply();
    }
  });
  const parts = [h("div", { class: "filter-bar__search" }, h("label", { for: search.id, class: "field__label" }, t("requests.search")), search)];

  if (offersProductFilter(ctx)) {
    const product = fillProducts(h("select", { id: "requests-product" }));
    product.addEventListener("change", () => {
      state.productId = product.value;
      reloadFromStart(view);
    });
    parts.push(h("div", {}, h("label", { for: product.id, class: "field__label" }, t("requests.product")), product));
  }

  const order = h(
    "select",
    { id: "requests-order" },
    h("option", { value: "newest", selected: !state.oldestFirst }, t("requests.newestFirst")),
    h("option", { value: "oldest", selected: state.oldestFirst }, t("requests.oldestFirst")),
  );
  order.addEventListener("change", () => {
    state.oldestFirst = order.value === "oldest";
    reloadFromStart(view);
  });
  parts.push(h("div", {}, h("label", { for: order.id, class: "field__label" }, t("requests.order")), order));
  return h("div", { class: "filter-bar", role: "search", "aria-label": t("requests.filters") }, ...parts);
}

/** The product filter's options: every product of the catalogue, the chosen one selected. */
function fillProducts(select) {
  if (!select) return null;
  clear(select).append(
    h("option", { value: "" }, t("requests.allProducts")),
    ...state.products.map((p) => h("option", { value: p.id }, p.name)),
  );
  // A product no longer in the catalogue stays chosen until changed.
  if (state.productId && !state.products.some((p) => p.id === state.productId)) {
    select.append(h("option", { value: state.productId }, state.productId));
  }
  select.value = state.productId;
  return select;
}

/** "Export CSV": the history of the status shown, fetched with the token, saved as a file. */
function exportButton(ctx) {
  const button = h("button", { type: "button", class: "btn btn--subtle", id: "export-csv" }, h("span", { class: "icon icon--download", "aria-hidden": "true" }), t("requests.export"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    const status = state.filter;
    try {
      const { blob } = await ctx.api.download(`/requests/export?${new URLSearchParams({ status })}`);
      const day = new Date().toISOString().slice(0, 10);
      saveFile(blob, `license-requests-${status}-${day}.csv`);
      ctx.toast(t("requests.exported"));
    } catch (error) {
      ctx.toast(errorText(error), "error");
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}

function renderEmpty(view) {
  const { ctx, listArea } = view;
  if (filtered()) {
    const reset = h("button", { type: "button", class: "btn btn--secondary", id: "clear-filters" }, t("requests.clearFilters"));
    reset.addEventListener("click", () => {
      state.q = "";
      state.productId = "";
      const search = document.getElementById("requests-search");
      if (search) search.value = "";
      const product = document.getElementById("requests-product");
      if (product) product.value = "";
      search?.focus();
      reloadFromStart(view);
    });
    listArea.append(h("div", { class: "empty", id: "requests-empty" }, h("p", { class: "empty__title" }, t("requests.emptyFiltered")), reset));
    return;
  }
  listArea.append(
    h(
      "div",
      { class: "empty", id: "requests-empty" },
      h("p", { class: "empty__title" }, t(`requests.empty.${state.filter}`)),
      ctx.user.isAdmin ? [h("p", {}, t("requests.emptyNext")), h("a", { href: "#/products", class: "btn btn--secondary" }, t("requests.emptyProducts"))] : null,
    ),
  );
}

function renderTable(view) {
  const { ctx, listArea: area, selectedId } = view;
  clear(area);
  if (!state.items.length) {
    renderEmpty(view);
    return;
  }
  const pendingIds = state.items.filter((item) => item.status === "pending").map((item) => item.id);
  // A selection column only where something can be decided.
  const selectable = pendingIds.length > 0;
  const boxes = new Map();
  let bulk = null;
  let selectAll = null;
  const syncSelection = () => {
    bulk?.update(state.selected.size);
    if (!selectAll) return;
    const ticked = pendingIds.filter((id) => state.selected.has(id)).length;
    selectAll.checked = ticked > 0 && ticked === pendingIds.length;
    selectAll.indeterminate = ticked > 0 && ticked < pendingIds.length;
  };
  if (selectable) {
    bulk = bulkBar({
      decide: (action, message, options) => decideSelected(view, bulk, action, message, options),
      onClear: () => {
        state.selected.clear();
        for (const box of boxes.values()) box.checked = false;
        syncSelection();
        selectAll.focus();
      },
    });
    selectAll = h("input", { type: "checkbox", id: "select-all", "aria-label": t("requests.selectAll") });
    selectAll.addEventListener("change", () => {
      for (const id of pendingIds) {
        if (selectAll.checked) state.selected.add(id);
        else state.selected.delete(id);
        boxes.get(id).checked = selectAll.checked;
      }
      syncSelection();
    });
  }
  // Beside a pane the columns narrow: each name stays on one line, cut with an ellipsis,
  // and its title gives it whole.
  const rows = state.items.map((item) => {
    const requester = displayName(item.requester);
    const when = formatDate(item.createdAt);
    let select = null;
    if (selectable) {
      let box = null;
      if (item.status === "pending") {
        box = h("input", { type: "checkbox", checked: state.selected.has(item.id), "aria-label": t("requests.select", { product: item.productName, name: requester }), dataset: { select: item.id } });
        box.addEventListener("change", () => {
          if (box.checked) state.selected.add(item.id);
          else state.selected.delete(item.id);
          syncSelection();
        });
        boxes.set(item.id, box);
      }
      select = h("td", { class: "col-select" }, box);
    }
    return h(
      "tr",
      { class: item.id === selectedId ? "is-selected" : null, "aria-current": item.id === selectedId ? "true" : null, dataset: { request: item.id } },
      select,
      h("th", { scope: "row" }, h("a", { href: `#/requests/${encodeURIComponent(item.id)}`, class: "row-link truncate", title: item.productName, dataset: { request: item.id } }, item.productName)),
      h("td", {}, h("span", { class: "person" }, avatar(requester), h("span", { class: "truncate", title: item.requester.email ? `${requester} (${item.requester.email})` : requester }, requester))),
      h("td", {}, h("time", { datetime: item.createdAt, class: "truncate", title: when }, h("span", { class: "date__day" }, formatDay(item.createdAt)), h("span", { class: "date__time" }, formatTimeAfterDay(item.createdAt)))),
      h("td", { class: "num col-users" }, formatNumber(item.userCount)),
      h("td", { class: "col-status" }, statusBadge(item.status)),
    );
  });
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
        selectable ? h("th", { scope: "col", class: "col-select" }, selectAll) : null,
        h("th", { scope: "col", class: "col-product", title: t("requests.col.product") }, t("requests.col.product")),
        h("th", { scope: "col", class: "col-requester", title: t("requests.col.requester") }, t("requests.col.requester")),
        h("th", { scope: "col", class: "col-date", title: t("requests.col.date") }, t("requests.col.date")),
        h("th", { scope: "col", class: "num col-users" }, t("requests.col.users")),
        h("th", { scope: "col", class: "col-status" }, t("requests.col.status")),
      ),
    ),
    h("tbody", {}, rows),
  );
  if (bulk) area.append(bulk.bar);
  area.append(h("div", { class: "table-wrap" }, table));
  syncSelection();
  if (state.nextCursor) {
    const more = h("button", { type: "button", class: "btn btn--secondary", id: "load-more" }, t("requests.more"));
    more.addEventListener("click", async () => {
      more.disabled = true;
      const before = state.items.length;
      try {
        if (!(await load(ctx, { append: true }))) return;
      } catch (error) {
        more.disabled = false;
        ctx.toast(errorText(error), "error");
        return;
      }
      renderTable(view);
      area.querySelectorAll("tbody tr")[before]?.querySelector("a")?.focus();
    });
    area.append(h("div", { class: "actions" }, more));
  }
}

/**
 * Decide every selected request at once (POST /api/requests/decisions), then show what
 * happened to each (a summary that takes focus) and the list as it now stands. A pane
 * showing one of them is shown again, with its decision.
 */
async function decideSelected(view, bulk, action, message, options = {}) {
  const { ctx, summarySlot, selectedId, paneOpen } = view;
  // In the list's order; the API approves the oldest first whatever the order.
  const ids = state.items.map((item) => item.id).filter((id) => state.selected.has(id));
  if (!ids.length) return;
  bulk.busy(true);
  clear(summarySlot);
  let summary;
  try {
    const { data } = await ctx.api.post("/requests/decisions", { ids, action, message, ...options });
    summary = summarise(action, data.results, new Map(state.items.map((item) => [item.id, item])));
    state.selected.clear();
  } catch (error) {
    summary = failureSummary(error);
  }
  await load(ctx).catch(() => {});
  if (!ctx.isCurrent()) return;
  if (paneOpen && selectedId && ids.includes(selectedId)) {
    state.summary = summary;
    ctx.rerender();
    return;
  }
  bulk.busy(false);
  view.refresh();
  const bar = summaryBar(summary);
  summarySlot.append(bar);
  bar.focus();
}
