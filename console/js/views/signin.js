// Sign-in: the dev form (tenant, email, name, admin) or "Sign in with Microsoft" (MSAL.js).

import { clear, field, h, messageBar } from "../dom.js";
import { t } from "../i18n.js";

const LAST_KEY = "licenseRequests.devLast";

function lastDevIdentity() {
  try {
    return JSON.parse(localStorage.getItem(LAST_KEY) || "{}");
  } catch {
    return {};
  }
}

export function renderSignIn(ctx, { onSignedIn, message }) {
  const { main, session } = ctx;
  const alert = h("div", { class: "form-alert" });
  if (message) alert.append(messageBar("warning", message));
  const card = h(
    "section",
    { class: "card signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, t("signin.title")),
    h("p", { class: "intro" }, t("signin.intro")),
    alert,
  );
  clear(main).append(h("div", { class: "page page--center" }, card));
  if (!session.auth) return;

  if (session.auth.mode === "entra") {
    if (!session.auth.configured) {
      alert.append(messageBar("error", t("signin.notConfigured")));
      return;
    }
    const button = h("button", { type: "button", class: "btn btn--primary btn--large" }, t("signin.microsoft"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      clear(alert);
      try {
        await onSignedIn(await session.auth.signIn());
      } catch (error) {
        const code = error?.errorCode || "";
        alert.append(
          messageBar("error", code === "popup_window_error" ? t("signin.popupBlocked") : t("signin.failed", { detail: error?.message || code })),
        );
        button.disabled = false;
      }
    });
    card.append(h("p", { class: "field__help" }, t("signin.entraNote")), h("div", { class: "actions" }, button));
    return;
  }

  const last = lastDevIdentity();
  const tenant = h("input", { name: "tenant", required: true, autocomplete: "organization", value: last.tenant || "contoso", pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" });
  const email = h("input", { name: "email", type: "email", required: true, autocomplete: "email", value: last.email || "" });
  const name = h("input", { name: "name", autocomplete: "name", maxlength: "200", value: last.name || "" });
  const admin = h("input", { type: "checkbox", name: "admin", id: "signin-admin", checked: Boolean(last.admin) });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, t("signin.submit"));
  const form = h(
    "form",
    { class: "form", novalidate: false },
    messageBar("info", t("signin.devNote")),
    field(t("signin.tenant"), tenant),
    field(t("signin.email"), email),
    field(t("signin.name"), name),
    h("div", { class: "check" }, admin, h("label", { for: "signin-admin" }, t("signin.admin"))),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    clear(alert);
    const identity = { tenant: tenant.value.trim(), email: email.value.trim(), name: name.value.trim(), admin: admin.checked };
    try {
      const user = await session.auth.signIn(identity);
      try {
        localStorage.setItem(LAST_KEY, JSON.stringify(identity));
      } catch {
        /* not remembered */
      }
      await onSignedIn(user);
    } catch (error) {
      alert.append(messageBar("error", t("signin.failed", { detail: error?.message || String(error) })));
      submit.disabled = false;
    }
  });
  card.append(form);
}
