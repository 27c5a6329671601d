// The terms of an approval beyond who and what (X14), shared by the decision pane and the
// bulk approval: what happens when there aren't enough licenses (refuse, or put the rest
// on the product's waitlist) and how long the licenses last (permanent, 30 or 90 days, or
// until a date). Each gives the fields it adds to the approve body; the defaults (refuse,
// permanent) add none, so an approval without a choice is the same call as before.

import { h, uid } from "../../dom.js";
import { t } from "../../i18n.js";

const DURATIONS = [
  { value: "permanent", body: null },
  { value: "P30D", body: "P30D" },
  { value: "P90D", body: "P90D" },
  { value: "until", body: null },
];

/** Today as YYYY-MM-DD in the browser's time zone (a date input's format). */
function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

/** The day after `date` (YYYY-MM-DD), as YYYY-MM-DD. */
export function nextDay(date) {
  const [y, m, d] = date.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

function radio(group, value, label, checked, meta = null) {
  const id = `${group}-${value}`;
  const input = h("input", { type: "radio", name: group, id, value, checked });
  return { input, row: h("div", { class: "check check--radio" }, input, h("label", { for: id }, h("span", { class: "check__title" }, label), meta ? h("span", { class: "check__meta" }, meta) : null)) };
}

/**
 * "When there aren't enough licenses": refuse the approval (nothing assigned), or assign
 * who fits and put the rest on the waitlist. `body()` → `{}` or `{ whenShort: "wait" }`;
 * `waits()` whether the waitlist is chosen; `onChange(fn)` is told of a change.
 */
export function whenShortField() {
  const group = uid("short");
  const refuse = radio(group, "refuse", t("terms.short.refuse"), true);
  const wait = radio(group, "wait", t("terms.short.wait"), false, t("terms.short.waitHelp"));
  const fieldset = h("fieldset", { class: "fieldset", id: "when-short" }, h("legend", {}, t("terms.short")), refuse.row, wait.row);
  const listeners = [];
  for (const input of [refuse.input, wait.input]) input.addEventListener("change", () => listeners.forEach((fn) => fn()));
  return {
    element: fieldset,
    waits: () => wait.input.checked,
    body: () => (wait.input.checked ? { whenShort: "wait" } : {}),
    onChange: (fn) => listeners.push(fn),
  };
}

/**
 * "License duration": permanent, 30 days, 90 days, or until a date (a date input, enabled
 * when chosen). `body()` → `{}`, `{ licenseDuration }` or `{ licenseUntil }`; null when
 * "until" has no date after today (the date input is then marked invalid and focused).
 * For an extension (`extend`): no "permanent", and the body is `{ duration }` or `{ until }`
 * (POST /api/products/{id}/assignments/{email}/extend), the date after `after` at least.
 */
export function durationField({ extend = false, after = null } = {}) {
  const group = uid("duration");
  const earliest = after && after > today() ? after : today();
  const date = h("input", { type: "date", id: `${group}-date`, min: nextDay(earliest), disabled: true, class: "terms__date" });
  const shown = extend ? DURATIONS.filter((c) => c.value !== "permanent") : DURATIONS;
  const prefix = extend ? "terms.extend" : "terms.duration";
  const choices = shown.map((choice, index) => ({ ...choice, ...radio(group, choice.value, t(`${prefix}.${choice.value}`), index === 0) }));
  const until = choices.find((c) => c.value === "until");
  until.row.append(h("label", { for: date.id, class: "visually-hidden" }, t("terms.duration.date")), date);
  for (const choice of choices) {
    choice.input.addEventListener("change", () => {
      date.disabled = !until.input.checked;
      date.removeAttribute("aria-invalid");
      if (until.input.checked) date.focus();
    });
  }
  date.addEventListener("input", () => date.removeAttribute("aria-invalid"));
  const helpId = `${group}-help`;
  const fieldset = h(
    "fieldset",
    { class: "fieldset", id: extend ? "extend-by" : "license-duration", "aria-describedby": helpId },
    h("legend", {}, t(extend ? "terms.extend" : "terms.duration")),
    h("p", { class: "field__help", id: helpId }, t(extend ? "terms.extendHelp" : "terms.durationHelp")),
    h("div", { class: "choices choices--inline" }, choices.map((c) => c.row)),
  );
  return {
    element: fieldset,
    body() {
      const chosen = choices.find((c) => c.input.checked);
      if (!chosen || chosen.value === "permanent") return {};
      if (chosen.body) return extend ? { duration: chosen.body } : { licenseDuration: chosen.body };
      if (!date.value || date.value <= earliest) {
        date.setAttribute("aria-invalid", "true");
        date.focus();
        return null;
      }
      return extend ? { until: date.value } : { licenseUntil: date.value };
    },
  };
}
