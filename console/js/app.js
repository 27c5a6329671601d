// The console's entry point: language, sign-in, navigation and hash routing.

import { Api, ApiError } from "./api.js";
import { createAuth, loadConfig } from "./auth.js";
import { clear, focusFirst, h, messageBar } from "./dom.js";
import { errorText } from "./errors.js";
import { initialLanguage, language, setLanguage, t, translateStatic } from "./i18n.js";
import { renderProducts } from "./views/products.js";
import { renderMyRequests } from "./views/my-requests.js";
import { renderRequestPage } from "./views/requester.js";
import { renderRequests } from "./views/requests/index.js";
import { renderSignIn } from "./views/signin.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const signOutButton = document.getElementById("sign-out");
const languageSelect = document.getElementById("lang");
const toastRegion = document.getElementById("toast");

// `access`: who may open the view: "review" (admins and a product's approvers), "admin".
const ROUTES = [
  { pattern: /^#\/requests(?:\/([^/?]+))?$/, view: "requests", access: "review" },
  { pattern: /^#\/own-process$/, view: "own-process", access: "admin" },
  // ?microsoft365=connected|denied|pending: where Microsoft's admin consent comes back to.
  { pattern: /^#\/products(?:\?([^#]*))?$/, view: "products", access: "admin" },
  { pattern: /^#\/request(?:\/([^/?]+))?$/, view: "request" },
  { pattern: /^#\/my(?:\/([^/?]+))?$/, view: "my" },
];

function mayOpen(route, user) {
  if (route.access === "admin") return user.isAdmin;
  if (route.access === "review") return user.canReview;
  return true;
}

/**
 * Where `hash` leads `user`: itself, or for a request link (emails link to
 * #/requests/{id}) opened by someone who may not review requests, their My requests with
 * that request highlighted; null when it leads nowhere for them (then: home).
 */
function destination(hash, user) {
  const match = ROUTES.find((r) => r.pattern.test(hash));
  if (!match) return null;
  if (mayOpen(match, user)) return hash;
  const id = match.view === "requests" ? hash.match(match.pattern)[1] : null;
  return id ? `#/my/${id}` : null;
}

/**
 * Ask the API what `user` may do with requests, the one authority on it (a tenant may
 * narrow the admin roles; a product's approvers hold none): GET /api/requests answers an
 * admin with the tenant's `counts`, a product's approver without them, anyone else 403.
 * When the API cannot say (a network blip), the token's roles stand.
 */
async function withReviewRights(user) {
  try {
    const page = await session.api.get("/requests?status=pending&limit=1");
    const isAdmin = Boolean(page?.counts);
    return { ...user, isAdmin, isApprover: !isAdmin, canReview: true };
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return { ...user, isAdmin: false, isApprover: false, canReview: false };
    return user;
  }
}

const session = { config: null, auth: null, user: null, api: null, signInMessage: null };
let renderCount = 0;
let toastTimer = null;

/** A passing notice; `intent` (success | warning | error) colours its edge. */
function toast(text, intent = "success") {
  clearTimeout(toastTimer);
  toastRegion.dataset.intent = intent;
  // Visible first, then the text: live regions announce changes only while shown.
  toastRegion.classList.add("toast--visible");
  clear(toastRegion).append(h("div", { class: "toast__body" }, text));
  toastTimer = setTimeout(() => toastRegion.classList.remove("toast--visible"), 6000);
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function homeFor(user) {
  return user.canReview ? "#/requests" : "#/request";
}

function updateChrome() {
  const user = session.user;
  nav.hidden = !user;
  who.hidden = !user;
  signOutButton.hidden = !user;
  clear(who);
  if (user) {
    who.append(h("span", { class: "who__name" }, user.name));
    const role = user.isAdmin ? `role.${user.adminRole || "global"}` : user.isApprover ? "role.approver" : null;
    if (role) who.append(h("span", { class: "who__role" }, t(role)));
    who.title = t("signedInAs", { name: user.email || user.name });
    for (const item of nav.querySelectorAll("[data-admin]")) item.hidden = !user.isAdmin;
    for (const item of nav.querySelectorAll("[data-review]")) item.hidden = !user.canReview;
  }
}

function markCurrentNav(view) {
  const current = view === "own-process" ? "requests" : view;
  for (const link of nav.querySelectorAll("a[data-view]")) {
    if (link.dataset.view === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function onSignedIn(signedIn) {
  const user = await withReviewRights(signedIn);
  session.user = user;
  session.signInMessage = null;
  updateChrome();
  const hash = location.hash;
  const next = destination(hash, user) || homeFor(user);
  if (next !== hash) history.replaceState(null, "", next);
  route();
}

function onUnauthorized() {
  if (!session.user) return;
  session.auth.signOut();
  session.user = null;
  session.signInMessage = t("signin.expired");
  updateChrome();
  route();
}

async function route() {
  const ticket = ++renderCount;
  const ctx = {
    main,
    api: session.api,
    user: session.user,
    session,
    navigate,
    toast,
    rerender: route,
    isCurrent: () => ticket === renderCount,
  };
  if (!session.user) {
    markCurrentNav(null);
    renderSignIn(ctx, { onSignedIn, message: session.signInMessage });
    return;
  }
  const hash = location.hash || homeFor(session.user);
  const next = destination(hash, session.user);
  if (next !== hash) {
    // Replaced, not pushed: Back does not return to a link that only redirects.
    history.replaceState(null, "", next || homeFor(session.user));
    route();
    return;
  }
  const match = ROUTES.find((r) => r.pattern.test(hash));
  const param = hash.match(match.pattern)[1] ? decodeURIComponent(hash.match(match.pattern)[1]) : null;
  markCurrentNav(match.view);
  main.dataset.view = match.view;
  try {
    if (match.view === "requests") await renderRequests(ctx, { requestId: param });
    else if (match.view === "own-process") await renderRequests(ctx, { ownProcess: true });
    else if (match.view === "products") await renderProducts(ctx, { query: new URLSearchParams(param || "") });
    else if (match.view === "request") await renderRequestPage(ctx, { productId: param });
    else if (match.view === "my") await renderMyRequests(ctx, { requestId: param });
  } catch (error) {
    if (!ctx.isCurrent()) return;
    clear(main).append(
      h("div", { class: "page" }, h("h1", {}, t(`nav.${match.view}`) || t("app.title")), messageBar("error", errorText(error))),
    );
  }
  // A new view takes focus to its heading, unless it moved focus into itself (a pane).
  if (ctx.isCurrent() && !main.contains(document.activeElement)) focusFirst(main, "h1");
}

async function start() {
  setLanguage(initialLanguage());
  languageSelect.value = language();
  translateStatic();
  languageSelect.addEventListener("change", () => {
    setLanguage(languageSelect.value, true);
    translateStatic();
    updateChrome();
    route();
  });
  signOutButton.addEventListener("click", async () => {
    await session.auth.signOut();
    session.user = null;
    updateChrome();
    history.replaceState(null, "", location.pathname);
    route();
  });
  window.addEventListener("hashchange", () => route());

  try {
    session.config = await loadConfig();
    session.auth = createAuth(session.config);
    session.api = new Api(() => session.auth.token(), onUnauthorized);
    const user = await session.auth.restore();
    if (user) {
      await onSignedIn(user);
      return;
    }
  } catch (error) {
    session.signInMessage = errorText(error);
  }
  route();
}

start();
