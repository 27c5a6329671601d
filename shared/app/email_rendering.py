"""Turns a notice payload into one email per recipient, each in its recipient's language,
from the wording in email_templates/.

A recipient's language is the one their directory gives (`language` of a user in the
payload, e.g. "ko-KR"), else the tenant's setting, else the deployment's EMAIL_LANGUAGE.
Admins (notifyAdmins) have no directory language here: tenant, then deployment. Every
email links to the request in the console; a request id is never shown as text.

Payloads are read leniently: rows written before a key existed (`language`, `notify`)
still render, and every value is escaped in the html part.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shared.app.digest_emails import digest_emails
from shared.app.email_links import email_key, request_url
from shared.app.email_wording import LANGUAGES, TEMPLATES, Wording, supported_language
from shared.app.ports import OutgoingEmail
from shared.app.term_emails import term_emails
from shared.config import LOCAL_PUBLIC_BASE_URL

_TEMPLATE_FOR_OUTCOME = {
    "assigned": "approved",
    "alreadyLicensed": "already_licensed",
    "notAssigned": "not_assigned",
    "failed": "not_fulfilled",
    "waiting": "waiting",
}
# The tenant's email language, asked for only when a recipient's directory gives none.
TenantLanguage = Callable[[], str | None]


def _who(person: Mapping[str, Any]) -> str:
    """A person's name, or their address when they have none."""
    return str(person.get("name") or person.get("email") or "")


def _escaped(values: Mapping[str, str]) -> dict[str, str]:
    return {k: html.escape(v) for k, v in values.items()}


class _Languages:
    """One notice's language choice: the tenant's setting is read once, if ever needed."""

    def __init__(self, deployment: str, tenant: TenantLanguage | None) -> None:
        self._deployment = deployment
        self._tenant = tenant
        self._fallback: str | None = None

    def fallback(self) -> str:
        """The tenant's language, else the deployment's."""
        if self._fallback is None:
            chosen = supported_language(self._tenant()) if self._tenant else None
            self._fallback = chosen or self._deployment
        return self._fallback

    def of(self, user: Mapping[str, Any]) -> str:
        """The user's own language (the directory's), else the fallback."""
        return supported_language(user.get("language")) or self.fallback()


class EmailRenderer:
    """Renders notices; `language` is the deployment's (EMAIL_LANGUAGE), the last fallback."""

    def __init__(
        self,
        language: str = "en",
        directory: Path = TEMPLATES,
        *,
        public_base_url: str = LOCAL_PUBLIC_BASE_URL,
    ) -> None:
        deployment = supported_language(language)
        if deployment is None:
            raise ValueError(f"no email templates for language {language!r}")
        self._deployment = deployment
        self._base = public_base_url
        # Every language loaded (and checked) now: a broken file fails the start.
        self._wordings = {lang: Wording(lang, directory) for lang in LANGUAGES}

    def render(
        self,
        tenant: str,
        notice_id: str,
        payload: Mapping[str, Any],
        tenant_language: TenantLanguage | None = None,
    ) -> list[OutgoingEmail]:
        """Every email a notice asks for, in a stable order."""
        languages = _Languages(self._deployment, tenant_language)
        if payload.get("kind") in ("expiring", "reclaimed"):  # a licence's term (X14)
            wording = self._wordings[
                supported_language(payload.get("language")) or languages.fallback()
            ]
            return term_emails(wording, self._base, tenant, notice_id, payload)
        if payload.get("kind") == "digest":  # a tenant's day, not one request
            wording = self._wordings[languages.fallback()]
            return digest_emails(wording, self._base, tenant, notice_id, payload)
        url = request_url(self._base, str(payload["requestId"]))
        if payload.get("kind") == "submitted":
            return self._new_request(tenant, notice_id, payload, url, languages.fallback())
        if payload.get("kind") == "failures":
            return self._failures(tenant, notice_id, payload, url, languages.fallback())
        return self._decision(tenant, notice_id, payload, url, languages)

    # ---- to the users of a decided request ----------------------------------------------

    def _decision(
        self, tenant: str, notice_id: str, p: Mapping[str, Any], url: str, languages: _Languages
    ) -> list[OutgoingEmail]:
        requester = p.get("requester") or {}
        requester_email = str(requester.get("email") or "").lower()
        users = list(p["users"])
        # After a retried fulfilment only the retried users hear of it.
        notify = {str(e).lower() for e in p["notify"]} if "notify" in p else None
        shared: dict[tuple[str, bool], dict[str, str]] = {}
        emails = []
        for user in users:
            email, outcome = str(user["email"]), str(user["outcome"])
            if notify is not None and email.lower() not in notify:
                continue
            wording = self._wordings[languages.of(user)]
            kind = (
                "denied"
                if p["action"] == "deny"
                else _TEMPLATE_FOR_OUTCOME.get(outcome, "not_assigned")
            )
            if p.get("waitlist") in ("removed", "expired"):  # taken off a waitlist
                kind = f"waitlist_{p['waitlist']}"
            role = "requester" if email.lower() == requester_email else "included"
            base = {
                "greeting": wording.greeting(user.get("name"), email),
                "requester": _who(requester),
                "product": str(p["productName"]),
                "requested_product": str(p["requestedProductName"]),
                "decided_by": str(p.get("decidedBy") or ""),
                "reason": self._reason(wording, user),
                "position": str(user.get("position") or ""),
                "url": url,
            }
            for as_html in (False, True):
                if (wording.language, as_html) not in shared:
                    shared[(wording.language, as_html)] = self._decision_parts(
                        wording, p, users, as_html
                    )
            # Switched-off apps concern only those who got the product; the list of
            # everyone's outcome goes to the requester only.
            dropped = {"disabled"} if kind != "approved" else set()
            if role != "requester":
                dropped.add("others")
            text_parts, html_parts = (
                {
                    k: ("" if k in dropped else v)
                    for k, v in shared[(wording.language, as_html)].items()
                }
                for as_html in (False, True)
            )
            subject, text, page = wording.fill(
                wording.template(kind, role),
                {**base, **text_parts},
                {**_escaped(base), **html_parts},
            )
            emails.append(
                OutgoingEmail(
                    to=email,
                    to_name=user.get("name"),
                    subject=subject,
                    text=text,
                    html=page,
                    key=email_key(tenant, notice_id, email),
                )
            )
        return emails

    @staticmethod
    def _decision_parts(
        wording: Wording, p: Mapping[str, Any], users: list[Any], as_html: bool
    ) -> dict[str, str]:
        """What is the same for every recipient of one language, in one format."""
        esc: Callable[[str], str] = html.escape if as_html else str
        disabled = ", ".join(str(a) for a in p.get("disabledServicePlans") or [])
        message = p.get("message")
        decided_by = str(p.get("decidedBy") or "")
        rows = "".join(
            wording.snippet(
                "others_row",
                as_html,
                who=esc(_who(u)),
                outcome=esc(wording.label(str(u["outcome"]))),
            )
            for u in users
        )
        return {
            "message": wording.snippet(
                "message", as_html, message=esc(str(message)), decided_by=esc(decided_by)
            )
            if message
            else "",
            "disabled": wording.snippet("disabled", as_html, apps=esc(disabled))
            if disabled
            else "",
            "others": wording.snippet("others", as_html, rows=rows) if len(users) > 1 else "",
        }

    @staticmethod
    def _reason(wording: Wording, user: Mapping[str, Any]) -> str:
        failure = user.get("failure")
        return wording.label(str(failure.get("code"))) if isinstance(failure, dict) else ""

    # ---- to the admins listed in notifyAdmins -------------------------------------------

    def _admin_values(
        self, wording: Wording, p: Mapping[str, Any], url: str
    ) -> tuple[dict[str, str], list[Any]]:
        users = list(p["users"])
        requester = p.get("requester") or {}
        return {
            "requester": f"{_who(requester)} <{requester.get('email') or ''}>",
            "requester_name": _who(requester),
            "requester_email": str(requester.get("email") or ""),
            "requested_product": str(p["productName"]),
            "user_count": wording.count("users", len(users)),
            "url": url,
        }, users

    def _failures(
        self, tenant: str, notice_id: str, p: Mapping[str, Any], url: str, language: str
    ) -> list[OutgoingEmail]:
        wording = self._wordings[language]
        plain, users = self._admin_values(wording, p, url)

        def line(u: Mapping[str, Any]) -> tuple[str, str]:
            who = f"{_who(u)} <{u['email']}>"
            failure = u.get("failure") or {}
            why = f"{self._reason(wording, u)} ({failure.get('message') or ''})"
            return who, why

        text_users = "".join("  - {}: {}\n".format(*line(u)) for u in users)
        html_users = "".join(
            "<li>{}: {}</li>".format(*(html.escape(part) for part in line(u))) for u in users
        )
        subject, text, page = wording.fill(
            wording.template("fulfilment_failures"),
            {**plain, "users": text_users},
            {**_escaped(plain), "users": html_users},
        )
        return [
            OutgoingEmail(r, None, subject, text, page, email_key(tenant, notice_id, r))
            for r in p.get("recipients", [])
        ]

    def _new_request(
        self, tenant: str, notice_id: str, p: Mapping[str, Any], url: str, language: str
    ) -> list[OutgoingEmail]:
        wording = self._wordings[language]
        plain, users = self._admin_values(wording, p, url)
        plain["justification"] = str(p.get("justification") or wording.label("none"))
        text_users = "".join(f"  - {_who(u)} <{u['email']}>\n" for u in users)
        html_users = "".join(
            f"<li>{html.escape(_who(u))} &lt;{html.escape(str(u['email']))}&gt;</li>" for u in users
        )
        subject, text, page = wording.fill(
            wording.template("new_request"),
            {**plain, "users": text_users},
            {**_escaped(plain), "users": html_users},
        )
        return [
            OutgoingEmail(
                to=r,
                to_name=None,
                subject=subject,
                text=text,
                html=page,
                key=email_key(tenant, notice_id, r),
            )
            for r in p.get("recipients", [])
        ]
