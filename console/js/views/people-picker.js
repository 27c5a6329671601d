// The people picker of the request form (X11): an editable combobox over the tenant's
// directory (GET /api/directory/users), as the ARIA Authoring Practices' "combobox with
// listbox popup": type 2 characters or more, arrows move through the suggestions,
// Enter picks, Escape closes. Without Microsoft 365 it is a plain email field.

import { clear, h } from "../dom.js";
import { hasCode } from "../errors.js";
import { t } from "../i18n.js";
import { avatar } from "../widgets.js";

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;
// What the API accepts as search text: 1-64 letters, digits, spaces and . @ ' -
const SEARCH_TEXT = /^[\p{L}\p{M}\p{N}_ .@'-]{1,64}$/u;

/**
 * Make `input` (inside `wrap`, described by `status`) a people picker. `onPick({email, name})`
 * adds a person; `skip(email)` says whom not to suggest (already added). Returns
 * `{ enabled, setEnabled(on), close(), added(name) }`.
 */
export function peoplePicker(ctx, { input, wrap, label, status, onPick, skip, enabled = true }) {
  const listId = `${input.id}-listbox`;
  const listbox = h("ul", { id: listId, role: "listbox", class: "combobox__listbox", "aria-label": t("picker.listLabel"), hidden: true });
  wrap.classList.add("combobox");
  wrap.append(listbox);
  let people = [];
  let active = -1;
  let timer = null;
  let sequence = 0;
  const picker = { enabled: false, setEnabled, close, added };

  function say(text) {
    status.textContent = text;
  }

  function setEnabled(on) {
    picker.enabled = on;
    close();
    if (on) {
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", listId);
      label.textContent = t("picker.label");
      say(t("picker.help"));
    } else {
      clearTimeout(timer);
      sequence += 1;
      for (const name of ["role", "aria-autocomplete", "aria-expanded", "aria-controls", "aria-activedescendant"]) input.removeAttribute(name);
      label.textContent = t("request.otherEmail");
      say("");
    }
  }

  function close() {
    listbox.hidden = true;
    clear(listbox);
    active = -1;
    if (picker.enabled) input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function setActive(index) {
    const options = listbox.querySelectorAll("[role=option]");
    options.forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      option.classList.toggle("is-active", i === index);
    });
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  /** Someone was added (picked, or typed in): no search for what was typed, and say so. */
  function added(name) {
    clearTimeout(timer);
    sequence += 1;
    people = [];
    close();
    if (picker.enabled) say(t("picker.added", { name }));
  }

  function pick(person) {
    const email = person.mail || person.userPrincipalName;
    const name = person.displayName || null;
    input.value = "";
    added(name || email);
    onPick({ email, name });
  }

  function show(found) {
    people = found;
    clear(listbox);
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!people.length) {
      close();
      say(t("picker.none", { text: input.value.trim() }));
      return;
    }
    people.forEach((person, index) => {
      const email = person.mail || person.userPrincipalName;
      const option = h(
        "li",
        { id: `${listId}-${index}`, role: "option", class: "combobox__option", "aria-selected": "false", dataset: { email } },
        avatar(person.displayName || email),
        h("span", { class: "people__text" }, h("span", { class: "people__name" }, person.displayName || email), person.displayName ? h("span", { class: "people__email" }, email) : null),
      );
      // Keep focus in the input: pick on click, without a blur first.
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => pick(person));
      listbox.append(option);
    });
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    say(people.length === 1 ? t("picker.foundOne") : t("picker.found", { count: people.length }));
  }

  async function search(text) {
    const ticket = ++sequence;
    try {
      const { items } = await ctx.api.get(`/directory/users?search=${encodeURIComponent(text)}`);
      if (ticket !== sequence || !input.isConnected || input.value.trim() !== text) return;
      const fresh = items.filter((person) => !skip(person.mail || person.userPrincipalName));
      if (items.length && !fresh.length) {
        close();
        say(t("picker.allListed"));
        return;
      }
      show(fresh);
    } catch (error) {
      if (ticket !== sequence) return;
      if (hasCode(error, "not_connected")) {
        // The organization has no Microsoft 365: addresses are typed, as before.
        setEnabled(false);
        return;
      }
      close();
      say(hasCode(error, "invalid_request") ? t("picker.help") : t("picker.unavailable"));
    }
  }

  input.addEventListener("input", () => {
    if (!picker.enabled) return;
    clearTimeout(timer);
    sequence += 1;
    people = [];
    const text = input.value.trim();
    if (text.length < MIN_CHARS || !SEARCH_TEXT.test(text)) {
      close();
      say(t("picker.help"));
      return;
    }
    timer = setTimeout(() => search(text), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (!picker.enabled) return;
    const open = !listbox.hidden;
    const count = listbox.children.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count && people.length && input.value.trim()) show(people);
      const n = listbox.children.length;
      if (!n) return;
      event.preventDefault();
      if (event.key === "ArrowDown") setActive(active < 0 ? 0 : (active + 1) % n);
      else setActive(active < 0 ? n - 1 : (active - 1 + n) % n);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      event.stopImmediatePropagation();
      pick(people[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", () => close());

  setEnabled(enabled);
  return picker;
}
