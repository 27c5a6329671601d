"""Turns a notice payload into one email per recipient, from the wording in email_templates/."""

from __future__ import annotations

import html
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from shared.app.ports import OutgoingEmail

TEMPLATES = Path(__file__).with_name("email_templates")
KINDS = (
    "approved",
    "already_licensed",
    "not_assigned",
    "denied",
    "new_request",
    "not_fulfilled",
    "fulfilment_failures",
)
_TEMPLATE_FOR_OUTCOME = {
    "assigned": "approved",
    "alreadyLicensed": "already_licensed",
    "notAssigned": "not_assigned",
    "failed": "not_fulfilled",
}


@cache
def load_templates(language: str, directory: Path = TEMPLATES) -> dict[str, dict[str, str]]:
    """The wording of one language; refuses a file that misses a kind or a part."""
    data = tomllib.loads((directory / f"{language}.toml").read_text(encoding="utf-8"))
    for kind in KINDS:
        for part in ("subject", "text", "html"):
            if part not in data.get(kind, {}):
                raise ValueError(f"{language}.toml lacks [{kind}] {part}")
    return {k: dict(v) for k, v in data.items()}


def email_key(tenant: str, notice_id: str, recipient: str) -> str:
    """Identifies one email of one notice: the unit that is never sent twice."""
    return f"{tenant}/{notice_id}/{recipient.lower()}"


class EmailRenderer:
    """Renders notices in one language."""

    def __init__(self, language: str, directory: Path = TEMPLATES) -> None:
        self._t = load_templates(language, directory)

    def _fill(
        self, kind: str, values: Mapping[str, str], html_values: Mapping[str, str]
    ) -> tuple[str, str, str]:
        t = self._t[kind]
        subject = Template(t["subject"]).safe_substitute(values).strip()
        text = Template(t["text"]).safe_substitute(values).strip() + "\n"
        page = Template(t["html"]).safe_substitute(html_values).strip()
        return (
            subject,
            text,
            Template(self._t["layout"]["html"]).safe_substitute(body=page),
        )

    def _snippet(self, name: str, as_html: bool, **values: str) -> str:
        suffix = "html" if as_html else "text"
        return Template(self._t["snippets"][f"{name}_{suffix}"]).safe_substitute(values)

    def _label(self, outcome: str) -> str:
        return str(self._t["labels"].get(outcome, outcome))

    def render(
        self, tenant: str, notice_id: str, payload: Mapping[str, Any]
    ) -> list[OutgoingEmail]:
        """Every email a notice asks for, in a stable order."""
        if payload.get("kind") == "submitted":
            return self._new_request(tenant, notice_id, payload)
        if payload.get("kind") == "failures":
            return self._failures(tenant, notice_id, payload)
        return self._decision(tenant, notice_id, payload)

    @staticmethod
    def _escaped(values: Mapping[str, str]) -> dict[str, str]:
        return {k: html.escape(v) for k, v in values.items()}

    def _decision(self, tenant: str, notice_id: str, p: Mapping[str, Any]) -> list[OutgoingEmail]:
        requester = str(p["requester"]["email"]).lower()
        users = list(p["users"])
        disabled = ", ".join(p.get("disabledServicePlans") or [])
        message = p.get("message")
        # What is the same for every recipient, once per format (text, html).
        shared: dict[bool, dict[str, str]] = {}
        for as_html in (False, True):
            esc = html.escape if as_html else str
            rows = "".join(
                self._snippet(
                    "others_row",
                    as_html,
                    who=esc(u.get("name") or u["email"]),
                    outcome=esc(self._label(u["outcome"])),
                )
                for u in users
            )
            shared[as_html] = {
                "message": self._snippet("message", as_html, message=esc(message))
                if message
                else "",
                "disabled": self._snippet("disabled", as_html, apps=esc(disabled))
                if disabled
                else "",
                "others": self._snippet("others", as_html, rows=rows) if len(users) > 1 else "",
            }
        emails = []
        # After a retried fulfilment only the retried users hear of it.
        notify = {str(e).lower() for e in p["notify"]} if "notify" in p else None
        for user in users:
            email, outcome = str(user["email"]), str(user["outcome"])
            if notify is not None and email.lower() not in notify:
                continue
            kind = (
                "denied"
                if p["action"] == "deny"
                else _TEMPLATE_FOR_OUTCOME.get(outcome, "not_assigned")
            )
            base = {
                "name": str(user.get("name") or email),
                "product": str(p["productName"]),
                "requested_product": str(p["requestedProductName"]),
                "decided_by": str(p["decidedBy"]),
                "request_id": str(p["requestId"]),
                "reason": self._reason(user),
            }
            # Switched-off apps concern only those who got the product; the list of
            # everyone's outcome goes to the requester only.
            dropped = {"disabled"} if kind != "approved" else set()
            if email.lower() != requester:
                dropped.add("others")
            text_parts, html_parts = (
                {k: ("" if k in dropped else v) for k, v in shared[as_html].items()}
                for as_html in (False, True)
            )
            subject, text, page = self._fill(
                kind, {**base, **text_parts}, {**self._escaped(base), **html_parts}
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

    def _reason(self, user: Mapping[str, Any]) -> str:
        failure = user.get("failure")
        return self._label(str(failure["code"])) if isinstance(failure, dict) else ""

    def _failures(self, tenant: str, notice_id: str, p: Mapping[str, Any]) -> list[OutgoingEmail]:
        users = list(p["users"])
        requester = p["requester"]
        plain = {
            "requester": f"{requester['name']} <{requester['email']}>",
            "requested_product": str(p["productName"]),
            "user_count": str(len(users)),
            "request_id": str(p["requestId"]),
        }

        def line(u: Mapping[str, Any]) -> tuple[str, str]:
            who = f"{u.get('name') or u['email']} <{u['email']}>"
            why = f"{self._reason(u)} ({u['failure']['message']})"
            return who, why

        text_users = "".join("  - {}: {}\n".format(*line(u)) for u in users)
        html_users = "".join(
            "<li>{}: {}</li>".format(*(html.escape(part) for part in line(u))) for u in users
        )
        subject, text, page = self._fill(
            "fulfilment_failures",
            {**plain, "users": text_users},
            {**self._escaped(plain), "users": html_users},
        )
        return [
            OutgoingEmail(r, None, subject, text, page, email_key(tenant, notice_id, r))
            for r in p.get("recipients", [])
        ]

    def _new_request(
        self, tenant: str, notice_id: str, p: Mapping[str, Any]
    ) -> list[OutgoingEmail]:
        users = list(p["users"])
        requester = p["requester"]
        plain = {
            "requester": f"{requester['name']} <{requester['email']}>",
            "requested_product": str(p["productName"]),
            "user_count": str(len(users)),
            "justification": str(p.get("justification") or self._label("none")),
            "request_id": str(p["requestId"]),
        }
        text_users = "".join(f"  - {u.get('name') or u['email']} <{u['email']}>\n" for u in users)
        html_users = "".join(
            f"<li>{html.escape(u.get('name') or u['email'])} &lt;{html.escape(u['email'])}&gt;</li>"
            for u in users
        )
        subject, text, page = self._fill(
            "new_request",
            {**plain, "users": text_users},
            {**self._escaped(plain), "users": html_users},
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
