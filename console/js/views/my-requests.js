// My requests (X4, X12): the requests the signed-in person made or is named in, with their
// part in each (asked, or included by whom), their own outcome, what was really assigned
// (another product than the one asked for, apps switched off), everyone's outcome, and
// how far Microsoft 365 got assigning them (X11). #/my/{id} highlights one request.

import { clear, h, messageBar } from "../dom.js";
import { isNotFound } from "../errors.js";
import { formatDate, t } from "../i18n.js";
import { failureText, fulfilmentShort, isFulfilling, MAX_POLLS, outcomeBadge, pollDelay, statusBadge } from "../widgets.js";

/** Every page of GET /api/me/requests (at most 500 requests); waiting users carry their
 * place in the queue as of now. */
export async function loadMyRequests(ctx) {
  const items = [];
  let cursor = null;
  do {
    const page = await ctx.api.get(`/me/requests?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 500);
  return items;
}

const same = (a, b) => String(a || "").toLowerCase() === String(b || "").toLowerCase();

/** The caller's role in request `r`: the API's, else worked out from the addresses. */
export function roleIn(r, user) {
  if (r.role === "requester" || r.role === "included") return r.role;
  return same(r.requester?.email, user.email) ? "requester" : "included";
}

/**
 * The caller's part in `r`: role, own outcome, the product really assigned and the apps
 * switched off. Fields the API does not send yet are worked out from the request itself
 * and `products` (GET /api/products), so an older API still shows what it can.
 */
export function myPart(r, user, products) {
  const byId = Object.fromEntries(products.map((p) => [p.id, p]));
  const me = r.users.find((u) => same(u.email, user.email));
  const outcome = r.myOutcome || me?.outcome || null;
  const position = outcome === "waiting" ? me?.position ?? null : null;
  const decision = r.decision;
  const approved = decision?.action === "approve";
  let assigned = r.assignedProduct;
  if (assigned === undefined) {
    const id = approved ? decision.productId || r.productId : null;
    assigned = id ? { id, name: byId[id]?.name || (id === r.productId ? r.productName : id) } : null;
  }
  let apps = r.disabledApps;
  if (!Array.isArray(apps)) {
    const plans = Object.fromEntries((byId[assigned?.id]?.servicePlans || []).map((p) => [p.id, p.name]));
    apps = approved ? (decision.disabledServicePlans || []).map((id) => ({ id, name: plans[id] || id })) : [];
  }
  return { role: roleIn(r, user), outcome, position, assigned, apps };
}

/** "Office 365 E5 assigned instead of Office 365 E3 · Teams switched off", or null. */
function assignedText(r, part) {
  const getting = part.outcome === "assigned" || (part.outcome === "pending" && r.status === "approved");
  if (!getting) return null;
  const bits = [];
  if (part.assigned && part.assigned.id !== r.productId) bits.push(t("my.instead", { assigned: part.assigned.name, requested: r.productName }));
  if (part.apps.length) bits.push(t("my.appsOff", { apps: part.apps.map((a) => a.name).join(", ") }));
  return bits.length ? bits.join(" · ") : null;
}

function mineCell(r, part) {
  const text = assignedText(r, part);
  return h(
    "td",
    { class: "mine" },
    part.outcome ? outcomeBadge(part.outcome, r, part.position) : null,
    text ? h("span", { class: "cell-sub mine__assigned" }, text) : null,
  );
}

function productCell(r, part) {
  const who = part.role === "requester" ? t("my.role.requester") : t("my.role.included", { name: r.requester?.name || r.requester?.email || "" });
  return h("th", { scope: "row", tabindex: "-1" }, h("span", { class: "cell-title" }, r.productName), h("span", { class: "cell-sub mine__role", dataset: { role: part.role } }, who));
}

function myRequestsTable(items, user, products, selectedId) {
  const rows = items.map((r) => {
    const part = myPart(r, user, products);
    const selected = r.id === selectedId;
    return h(
      "tr",
      { dataset: { request: r.id, role: part.role }, class: selected ? "is-selected" : null, "aria-current": selected ? "true" : null },
      productCell(r, part),
      h("td", {}, h("time", { datetime: r.createdAt }, formatDate(r.createdAt))),
      h("td", {}, statusBadge(r.status), fulfilmentShort(r)),
      mineCell(r, part),
      h(
        "td",
        {},
        h(
          "ul",
          { class: "outcomes" },
          r.users.map((u) => h("li", { dataset: { email: u.email } }, h("span", { class: "outcomes__who" }, u.name ? `${u.name} (${u.email})` : u.email), " ", outcomeBadge(u.outcome, r, u.position), failureText(u))),
        ),
      ),
      h("td", {}, r.decision?.message || ""),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table", id: "my-requests" },
      h("caption", { class: "visually-hidden" }, t("my.caption")),
      h("thead", {}, h("tr", {}, ["product", "date", "status", "mine", "users", "message"].map((c) => h("th", { scope: "col" }, t(`my.col.${c}`))))),
      h("tbody", {}, rows),
    ),
  );
}

/** The request `id` when it is not among the listed ones (a link from an email). */
async function fetchOne(ctx, id) {
  try {
    return { request: await ctx.api.get(`/requests/${encodeURIComponent(id)}`) };
  } catch (error) {
    return { error };
  }
}

export async function renderMyRequests(ctx, { requestId = null } = {}) {
  const { main } = ctx;
  const [items, products] = await Promise.all([loadMyRequests(ctx), ctx.api.get("/products").then((r) => r.items, () => [])]);
  if (!ctx.isCurrent()) return;
  let missing = null;
  if (requestId && !items.some((r) => r.id === requestId)) {
    const found = await fetchOne(ctx, requestId);
    if (!ctx.isCurrent()) return;
    if (found.request) items.unshift(found.request);
    else missing = isNotFound(found.error) ? t("my.notFound") : t("my.notLoaded");
  }
  const page = h("div", { class: "page page--wide" }, h("div", { class: "page-header" }, h("h1", {}, t("my.title")), h("p", { class: "intro" }, t("my.intro"))));
  if (ctx.session.myNotice) {
    page.append(messageBar("success", t(ctx.session.myNotice)));
    ctx.session.myNotice = null;
  }
  if (missing) page.append(messageBar("warning", missing));
  clear(main).append(page);
  if (!items.length) {
    page.append(
      h(
        "div",
        { class: "empty", id: "my-empty" },
        h("p", { class: "empty__title" }, t("my.empty")),
        h("p", {}, t("my.emptyNext")),
        h("a", { href: "#/request", class: "btn btn--primary" }, t("nav.request")),
      ),
    );
    return;
  }
  const selectedId = missing ? null : requestId;
  const table = myRequestsTable(items, ctx.user, products, selectedId);
  page.append(table);
  if (selectedId) {
    const cell = table.querySelector(`tr[data-request="${CSS.escape(selectedId)}"] th`);
    cell?.scrollIntoView({ block: "center" });
    cell?.focus({ preventScroll: true });
  }
  if (items.some(isFulfilling)) pollMyRequests(ctx, table, products, selectedId);
}

/** While Microsoft 365 assigns an approval's licenses, look again every few seconds. */
async function pollMyRequests(ctx, table, products, selectedId) {
  for (let round = 0; round < MAX_POLLS; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, pollDelay(round)));
    if (!ctx.isCurrent() || !table.isConnected) return;
    let items;
    try {
      items = await loadMyRequests(ctx);
    } catch {
      continue; // a blip: the next round tries again
    }
    if (!ctx.isCurrent() || !table.isConnected) return;
    const next = myRequestsTable(items, ctx.user, products, selectedId);
    table.replaceWith(next);
    table = next;
    if (!items.some(isFulfilling)) return;
  }
}
