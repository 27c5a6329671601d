// Tiny DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.

/**
 * h("button", {class: "btn", onclick: fn, "aria-label": "x"}, "text", child, ...)
 * Attributes: `class`, `on<event>` listeners, booleans (true sets, false/null skips),
 * `dataset` object, everything else via setAttribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "value" && "value" in el) {
      el.value = value;
    } else if (name === "checked" || name === "selected") {
      el[name] = Boolean(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let ids = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = "id") {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A message bar (Fluent MessageBar): intent info | success | warning | error. */
export function messageBar(intent, ...content) {
  const role = intent === "error" || intent === "warning" ? "alert" : "status";
  return h("div", { class: `message-bar message-bar--${intent}`, role }, h("span", { class: "message-bar__icon", "aria-hidden": "true" }), h("div", { class: "message-bar__body" }, ...content));
}

/** A labelled form field: label, control, optional help text wired with aria-describedby. */
export function field(label, control, help) {
  const id = control.id || uid("field");
  control.id = id;
  const parts = [h("label", { for: id, class: "field__label" }, label), control];
  if (help) {
    const helpId = `${id}-help`;
    control.setAttribute("aria-describedby", helpId);
    parts.push(h("p", { id: helpId, class: "field__help" }, help));
  }
  return h("div", { class: "field" }, ...parts);
}

/** Status badge for request statuses and outcomes. */
export function badge(kind, text) {
  return h("span", { class: `badge badge--${kind}` }, text);
}

/** Move focus to a heading or container after a view change, for keyboard and screen readers. */
export function focusFirst(container, selector = "h1, h2") {
  const target = container.querySelector(selector);
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: false });
  }
}

/**
 * Save `blob` as a download named `filename`: a link to a blob: URL with `download`, clicked
 * (the CSP's connect-src governs fetches, not downloads). The URL is freed a minute later,
 * when the browser has long taken the file.
 */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
