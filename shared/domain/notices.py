"""Notices: the email-worthy events a decision or a submit commits with itself.

A notice's id names it within its tenant: one per request and kind. The id is also the
key of its outbox row and part of each email's idempotency key, so its format lives
here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.domain.models import LicenseRequest, Person, Product, RequestUser

NoticeKind = Literal["decision", "submitted"]
NOTICE_KINDS: tuple[NoticeKind, ...] = ("decision", "submitted")
_PREFIX = "O|"


def notice_id(request_id: str, kind: NoticeKind) -> str:
    """The id of a request's notice of this kind."""
    return f"{_PREFIX}{request_id}|{kind}"


def is_notice_id(value: str) -> bool:
    """True for a string shaped like a notice id (a queue message may carry anything)."""
    return value.startswith(_PREFIX)


@dataclass(frozen=True)
class Notice:
    """An email-worthy event written in the same transaction as its cause (outbox row)."""

    kind: NoticeKind
    request_id: str
    payload: dict[str, object]
    created_at: datetime

    @property
    def id(self) -> str:
        """Its id, unique in its tenant."""
        return notice_id(self.request_id, self.kind)


# Payloads are stored (outbox rows) and queued: their shape is spelled out here, not
# borrowed from the API's wire format, so an API change never changes them.
def _person(person: Person) -> dict[str, object]:
    return {"id": person.id, "name": person.name, "email": person.email}


def _user(user: RequestUser) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "outcome": user.outcome}


def decision_notice(request: LicenseRequest, product: Product | None) -> Notice:
    """R13: every user of a decided request hears the outcome that concerns them."""
    decision = request.decision
    assert decision is not None, "only decided requests have a decision notice"
    plan_names = {p.id: p.name for p in product.service_plans} if product else {}
    return Notice(
        kind="decision",
        request_id=request.id,
        created_at=decision.decided_at,
        payload={
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
        },
    )


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
