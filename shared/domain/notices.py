"""Notices: the email-worthy events a decision or a submit commits with itself.

A notice's id names it within its tenant: one per request and kind. The id is also the
key of its outbox row and part of each email's idempotency key, so its format lives
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from shared.domain.models import LicenseRequest, Person, Product, RequestSummary, RequestUser

# decision: the outcome, to every user; submitted: a new request, to the listed admins;
# fulfilment: assign an approval's licences in Microsoft 365 (no email); failures: the
# users whose assignment failed, to the listed admins; digest: a tenant's requests that
# wait too long, to the listed admins and those they escalate to (one a day).
# expiring / reclaimed: a time-limited licence ends soon / has ended, to its holder.
NoticeKind = Literal[
    "decision", "submitted", "fulfilment", "failures", "digest", "expiring", "reclaimed"
]
NOTICE_KINDS: tuple[NoticeKind, ...] = (
    "decision",
    "submitted",
    "fulfilment",
    "failures",
    "digest",
    "expiring",
    "reclaimed",
)
_PREFIX = "O|"


def notice_id(request_id: str, kind: NoticeKind, round: int = 1) -> str:
    """The id of a request's notice of this kind (a retried fulfilment is a new round)."""
    suffix = f"|{round}" if round > 1 else ""
    return f"{_PREFIX}{request_id}|{kind}{suffix}"


def notices_prefix(request_id: str) -> str:
    """What every notice id of a request starts with."""
    return f"{_PREFIX}{request_id}|"


def is_notices_prefix(value: str) -> bool:
    """True for a request's notices prefix (what a safety message names)."""
    return is_notice_id(value) and value.endswith("|") and value.count("|") == 2


def is_notice_id(value: str) -> bool:
    """True for a string shaped like a notice id (a queue message may carry anything)."""
    return value.startswith(_PREFIX)


def notice_kind(value: str) -> str:
    """The kind a notice id names ("" when it names none)."""
    parts = value.split("|")
    return parts[2] if len(parts) >= 3 and is_notice_id(value) else ""


@dataclass(frozen=True)
class Notice:
    """An email-worthy event written in the same transaction as its cause (outbox row)."""

    kind: NoticeKind
    request_id: str
    payload: dict[str, object]
    created_at: datetime
    round: int = 1

    @property
    def id(self) -> str:
        """Its id, unique in its tenant."""
        return notice_id(self.request_id, self.kind, self.round)


# Payloads are stored (outbox rows) and queued: their shape is spelled out here, not
# borrowed from the API's wire format, so an API change never changes them.
def _person(person: Person) -> dict[str, object]:
    return {"id": person.id, "name": person.name, "email": person.email}


def _user(user: RequestUser) -> dict[str, object]:
    data: dict[str, object] = {"email": user.email, "name": user.name, "outcome": user.outcome}
    if user.failure:
        data["failure"] = {"code": user.failure.code, "message": user.failure.message}
    # The directory's preferredLanguage ("ko-KR"): the language of this user's email. Only
    # when known, so rows without one read as before (and rows from before it, the same).
    if user.language:
        data["language"] = user.language
    if user.position:  # on the waitlist: their place in it when the email was written
        data["position"] = user.position
    return data


def decision_notice(
    request: LicenseRequest,
    product: Product | None,
    *,
    notify: list[str] | None = None,
    round: int = 1,
    at: datetime | None = None,
) -> Notice:
    """R13: every user of a decided request hears the outcome that concerns them (or only
    those in `notify`, after a retried fulfilment)."""
    decision = request.decision
    assert decision is not None, "only decided requests have a decision notice"
    plan_names = {p.id: p.name for p in product.service_plans} if product else {}
    payload: dict[str, object] = {
        "kind": "decision",
        "requestId": request.id,
        "action": decision.action,
        "requestedProductName": request.product_name,
        "productId": product.id if product else None,
        "productName": product.name if product else request.product_name,
        "disabledServicePlans": [plan_names.get(p, p) for p in decision.disabled_service_plans],
        "message": decision.message,
        "decidedBy": decision.decided_by.name,
        "requester": _person(request.requester),
        "users": [_user(u) for u in request.users],
    }
    if notify is not None:
        payload["notify"] = notify
    return Notice("decision", request.id, payload, at or decision.decided_at, round)


def fulfilment_notice(request: LicenseRequest, at: datetime) -> Notice:
    """X11: assign an approval's licences in Microsoft 365 (the fulfilment queue's work)."""
    round = request.fulfilment.round if request.fulfilment else 1
    return Notice("fulfilment", request.id, {"kind": "fulfilment"}, at, round)


def failures_notice(
    request: LicenseRequest, recipients: list[str], at: datetime, round: int = 1
) -> Notice:
    """X11: the listed admins hear whose licence could not be assigned, and why."""
    failed = [u for u in request.users if u.outcome == "failed"]
    payload: dict[str, object] = {
        "kind": "failures",
        "requestId": request.id,
        "productName": request.product_name,
        "requester": _person(request.requester),
        "users": [_user(u) for u in failed],
        "recipients": recipients,
    }
    return Notice("failures", request.id, payload, at, round)


def submitted_notice(request: LicenseRequest, recipients: list[str]) -> Notice:
    """X10: the tenant's listed admins hear of a new request."""
    return Notice(
        kind="submitted",
        request_id=request.id,
        created_at=request.created_at,
        payload={
            "kind": "submitted",
            "requestId": request.id,
            "productName": request.product_name,
            "requester": _person(request.requester),
            "users": [_user(u) for u in request.users],
            "justification": request.justification,
            "recipients": recipients,
        },
    )


# A digest lists this many requests, oldest first (and says how many more there are).
DIGEST_LISTED = 50


def digest_id(day: date) -> str:
    """What a tenant's digest of `day` stands in for a request id: one digest notice per
    tenant and day (`O|reminders-20261103|digest`), never a request's."""
    return f"reminders-{day:%Y%m%d}"


def digest_notice(
    day: date,
    waiting: Sequence[RequestSummary],
    now: datetime,
    *,
    escalated_up_to: datetime,
    admins: list[str],
    escalate_to: list[str],
    remind_after: str,
    escalate_after: str,
) -> Notice:
    """The day's reminder: requests waiting longer than `remind_after` to the listed admins,
    and those created at or before `escalated_up_to` to `escalate_to` as well."""
    oldest_first = sorted(waiting, key=lambda s: (s.created_at, s.id))
    escalated = [s for s in oldest_first if s.created_at <= escalated_up_to]
    payload: dict[str, object] = {
        "kind": "digest",
        "day": day.isoformat(),
        "remindAfter": remind_after,
        "escalateAfter": escalate_after,
        "pending": len(oldest_first),
        "escalated": len(escalated),
        "requests": [
            {
                "id": s.id,
                "productName": s.product_name,
                "requester": _person(s.requester),
                "userCount": s.user_count,
                "createdAt": s.created_at.isoformat(),
                "waitingDays": (now - s.created_at).days,
                "escalated": s.created_at <= escalated_up_to,
            }
            for s in oldest_first[:DIGEST_LISTED]
        ],
        "admins": admins,
        "escalateTo": escalate_to,
    }
    # No language: the emails are in the tenant's email language when they are sent, as
    # every email to admins.
    return Notice("digest", digest_id(day), payload, now)
