// Admin: the Requests tab (R3, R6): filter, table, "Load more", the own-process banner,
// and the page that holds the list beside a pane.

import { clear, h, messageBar, uid } from "../../dom.js";
import { errorText } from "../../errors.js";
import { formatDate, formatDay, formatNumber, formatTimeAfterDay, t } from "../../i18n.js";
import { avatar, displayName, statusBadge } from "../../widgets.js";

const PAGE_SIZE = 25;
const FILTERS = ["pending", "completed", "all"];

// The list's state, owned by this module: it survives opening and closing panes, and is
// reloaded on filter change and decisions. `owner` is whose list it is (null: not loaded).
const state = { filter: "pending", items: [], nextCursor: null, process: null, owner: null, returnTo: null };

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

async function load(ctx, { append = false } = {}) {
  const params = new URLSearchParams({ status: state.filter, limit: String(PAGE_SIZE) });
  if (append && state.nextCursor) params.set("cursor", state.nextCursor);
  const page = await ctx.api.get(`/requests?${params}`);
  state.items = append ? [...state.items, ...page.items] : page.items;
  state.nextCursor = page.nextCursor;
  state.process = page.requestProcess;
  state.owner = ownerOf(ctx);
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
    state.filter = "pending";
    clear(main).append(h("div", { class: "page" }, h("h1", {}, t("requests.title")), h("p", { class: "loading" }, t("loading"))));
    await load(ctx);
    if (!ctx.isCurrent()) return null;
  }
  const listArea = h("div", { class: "split__list" });
  const paneArea = h("div", { class: "split__pane" });
  const bannerSlot = h("div", { class: "banner-slot" });
  const refreshList = () => {
    renderBanner(bannerSlot);
    renderTable(ctx, listArea, selectedId);
  };
  const page = h(
    "div",
    // With a pane: as tall as the window, the list and the pane each scrolling (styles.css).
    { class: `page page--wide${paneOpen ? " page--split" : ""}` },
    h("div", { class: "page-header" }, h("h1", {}, t("requests.title")), h("p", { class: "intro" }, t("requests.intro"))),
    bannerSlot,
    commandBar(ctx, refreshList),
    h("div", { class: `split${paneOpen ? " split--open" : ""}` }, listArea, paneArea),
  );
  clear(main).append(page);
  refreshList();
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
      renderTable(ctx, listArea, selectedId);
    },
  };
}

function renderBanner(slot) {
  clear(slot);
  if (state.process?.useOwnProcess) {
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
    const input = h("input", { type: "radio", name: group, id, value, checked: state.filter === value });
    input.addEventListener("change", async () => {
      state.filter = value;
      try {
        await load(ctx);
        refreshList();
      } catch (error) {
        ctx.toast(errorText(error));
      }
    });
    return h("span", { class: "segmented__item" }, input, h("label", { for: id }, t(`requests.filter.${value}`)));
  });
  const refresh = h("button", { type: "button", class: "btn btn--subtle" }, h("span", { class: "icon icon--refresh", "aria-hidden": "true" }), t("requests.refresh"));
  refresh.addEventListener("click", async () => {
    try {
      await load(ctx);
      refreshList();
    } catch (error) {
      ctx.toast(errorText(error));
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
  if (!state.items.length) {
    area.append(
      h(
        "div",
        { class: "empty", id: "requests-empty" },
        h("p", { class: "empty__title" }, t(`requests.empty.${state.filter}`)),
        h("p", {}, t("requests.emptyNext")),
        h("a", { href: "#/products", class: "btn btn--secondary" }, t("requests.emptyProducts")),
      ),
    );
    return;
  }
  // Beside a pane the columns narrow: each name stays on one line, cut with an ellipsis,
  // and its title gives it whole.
  const rows = state.items.map((item) => {
    const requester = displayName(item.requester);
    const when = formatDate(item.createdAt);
    return h(
      "tr",
      { class: item.id === selectedId ? "is-selected" : null, "aria-current": item.id === selectedId ? "true" : null, dataset: { request: item.id } },
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
        h("th", { scope: "col", class: "col-product", title: t("requests.col.product") }, t("requests.col.product")),
        h("th", { scope: "col", class: "col-requester", title: t("requests.col.requester") }, t("requests.col.requester")),
        h("th", { scope: "col", class: "col-date", title: t("requests.col.date") }, t("requests.col.date")),
        h("th", { scope: "col", class: "num col-users" }, t("requests.col.users")),
        h("th", { scope: "col", class: "col-status" }, t("requests.col.status")),
      ),
    ),
    h("tbody", {}, rows),
  );
  area.append(h("div", { class: "table-wrap" }, table));
  if (state.nextCursor) {
    const more = h("button", { type: "button", class: "btn btn--secondary", id: "load-more" }, t("requests.more"));
    more.addEventListener("click", async () => {
      more.disabled = true;
      const before = state.items.length;
      await load(ctx, { append: true });
      renderTable(ctx, area, selectedId);
      area.querySelectorAll("tbody tr")[before]?.querySelector("a")?.focus();
    });
    area.append(h("div", { class: "actions" }, more));
  }
}
