"""The daily digest's emails (reminders and escalation): one to each address in
`notifyAdmins` listing the requests waiting longer than `remindAfter`, the escalated ones
marked; one to each address in `escalateTo` listing only the escalated requests. Each
request links to itself in the console, and the email to the Requests list.

An address in both lists gets the reminder only: it lists the escalated requests too, and
a notice sends each address at most one email (its idempotency key is the address).

The payload (shared/domain/notices.py `digest_notice`) is read leniently, like every
notice's: a row written by an older version still renders.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from shared.app.email_links import email_key, request_url, requests_url
from shared.app.email_wording import Wording
from shared.app.ports import OutgoingEmail
from shared.domain.reminders import delay_parts


def delay_words(wording: Wording, delay: str) -> str:
    """A delay as people say it ("P1DT12H" is "1 day 12 hours"; the text itself when it is
    not one)."""
    try:
        days, hours, minutes = delay_parts(delay)
    except ValueError:
        return delay
    amounts = (("days", days), ("hours", hours), ("minutes", minutes))
    return " ".join(wording.count(noun, n) for noun, n in amounts if n) or delay


def _who(person: Mapping[str, Any]) -> str:
    name, address = str(person.get("name") or ""), str(person.get("email") or "")
    return f"{name} <{address}>" if name and name != address else address


def _rows(
    wording: Wording, base: str, requests: list[Mapping[str, Any]], mark: bool, as_html: bool
) -> str:
    esc = html.escape if as_html else str
    rows = []
    for r in requests:
        escalated = mark and bool(r.get("escalated"))
        rows.append(
            wording.piece(
                "digest_parts",
                "row",
                as_html,
                product=esc(str(r.get("productName") or "")),
                requester=esc(_who(r.get("requester") or {})),
                users=esc(wording.count("users", int(r.get("userCount") or 1))),
                date=esc(str(r.get("createdAt") or "")[:10]),
                waited=esc(wording.count("days", int(r.get("waitingDays") or 0))),
                url=esc(request_url(base, str(r.get("id") or ""))),
                escalated=wording.piece("digest_parts", "escalated", as_html) if escalated else "",
            )
        )
    return "".join(rows)


def _fill(
    wording: Wording,
    base: str,
    kind: str,
    requests: list[Mapping[str, Any]],
    total: int,
    values: Mapping[str, str],
    escalation: tuple[str, str] = ("", ""),
) -> tuple[str, str, str]:
    """Subject, text and html of one kind of digest listing `requests` (of `total`)."""
    plain = {
        **values,
        "requests": wording.count("requests", total),
        "list_url": requests_url(base),
    }
    escaped = {k: html.escape(v) for k, v in plain.items()}
    left = total - len(requests)
    parts = {}
    for as_html in (False, True):
        more = wording.piece(
            "digest_parts", "more", as_html, requests=wording.count("requests", left)
        )
        parts[as_html] = {
            "rows": _rows(wording, base, requests, kind == "reminder_digest", as_html),
            "more": more if left > 0 else "",
            "escalation": escalation[as_html],
        }
    return wording.fill(
        wording.template(kind), {**plain, **parts[False]}, {**escaped, **parts[True]}
    )


def digest_emails(
    wording: Wording, base: str, tenant: str, notice_id: str, p: Mapping[str, Any]
) -> list[OutgoingEmail]:
    """The digest's emails: the reminder to the admins, the escalation to escalateTo."""
    requests = [r for r in p.get("requests") or [] if isinstance(r, Mapping)]
    escalated = [r for r in requests if r.get("escalated")]
    admins = [str(a) for a in p.get("admins") or []]
    escalate_to = [str(e) for e in p.get("escalateTo") or []]
    values = {
        "remind_after": delay_words(wording, str(p.get("remindAfter") or "")),
        "escalate_after": delay_words(wording, str(p.get("escalateAfter") or "")),
    }
    emails: list[OutgoingEmail] = []

    def send(to: list[str], message: tuple[str, str, str]) -> None:
        subject, text, page = message
        emails.extend(
            OutgoingEmail(a, None, subject, text, page, email_key(tenant, notice_id, a)) for a in to
        )

    total_escalated = int(p.get("escalated") or len(escalated))
    if admins and requests:
        note = ("", "")
        if escalated and escalate_to:
            names = ", ".join(escalate_to)
            note = (
                wording.piece("digest_parts", "escalation", False, **values, escalate_to=names),
                wording.piece(
                    "digest_parts",
                    "escalation",
                    True,
                    escalate_after=html.escape(values["escalate_after"]),
                    escalate_to=html.escape(names),
                ),
            )
        total = int(p.get("pending") or len(requests))
        send(admins, _fill(wording, base, "reminder_digest", requests, total, values, note))
    told = {a.lower() for a in admins} if requests else set()
    others = [e for e in escalate_to if e.lower() not in told]
    if others and escalated:
        send(
            others,
            _fill(wording, base, "escalation_digest", escalated, total_escalated, values),
        )
    return emails
