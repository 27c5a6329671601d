"""The waitlist (X14): approved users who got no seat wait for one, first come first served
across the product's requests, and are seated in order when seats free up.

An entry is its own row (it outlives the request's retention). Its key orders the queue:
the number the product row gave it (everyone ever queued, counted under the row's
version), so two approvals never share a place and one approval's users keep their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.domain.ids import to_millis
from shared.domain.models import Fulfilment, LicenseRequest, Product
from shared.domain.notices import Notice
from shared.domain.terms import LicenceTerm


class WaitEntry(BaseModel):
    """One person waiting for a seat of a product."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    key: str  # orders the queue
    email: str
    name: str | None = None
    request_id: str
    since: datetime
    # The approval's term (X14): a seat given later lasts as long, or until the same end.
    duration: str | None = None
    until: datetime | None = None

    def ends(self, seated_at: datetime) -> datetime | None:
        """When the licence of this user, seated at `seated_at`, ends (None: permanent)."""
        return LicenceTerm(duration=self.duration, until=self.until).ends(seated_at)

    @property
    def timed(self) -> bool:
        """Whether the seat, once given, is time-limited."""
        return self.duration is not None or self.until is not None


def queue_key(number: int, request_id: str) -> str:
    """Where the `number`th person ever put on the product's waitlist stands: numbers are
    given under the product row's version, so two approvals never share one and the
    queue is exactly the order they committed in."""
    return f"{number:012d}|{request_id}"


def entries_of(
    request: LicenseRequest,
    product_id: str,
    now: datetime,
    first: int,
    term: LicenceTerm | None = None,
) -> list[WaitEntry]:
    """The waitlist entries of an approval's waiting users, numbered from `first` in the
    request's order."""
    waiting = [user for user in request.users if user.outcome == "waiting"]
    return [
        WaitEntry(
            product_id=product_id,
            key=queue_key(number, request.id),
            email=user.email,
            name=user.name,
            request_id=request.id,
            since=now,
            duration=term.duration if term else None,
            until=term.until if term else None,
        )
        for number, user in enumerate(waiting, start=first)
    ]


def placed(request: LicenseRequest, first: int) -> LicenseRequest:
    """The request with its waiting users numbered from `first`, in the request's order."""
    users, place = [], first
    for user in request.users:
        if user.outcome == "waiting":
            user = user.model_copy(update={"position": place})
            place += 1
        users.append(user)
    return request.model_copy(update={"users": users})


def with_positions(request: LicenseRequest, queue: Sequence[WaitEntry]) -> LicenseRequest:
    """The request with each waiting user's place in the queue (1 is next)."""
    places = {(e.request_id, e.email.lower()): n for n, e in enumerate(queue, start=1)}
    if not any(u.outcome == "waiting" for u in request.users):
        return request
    users = [
        u.model_copy(update={"position": places.get((request.id, u.email.lower()))})
        if u.outcome == "waiting"
        else u
        for u in request.users
    ]
    return request.model_copy(update={"users": users})


@dataclass(frozen=True)
class FillPlan:
    """Who gets a seat now, and what that changes."""

    product: Product  # the counters after
    seated: list[WaitEntry]
    # The requests of the seated users, after (their users assigned or pending again).
    requests: dict[str, LicenseRequest] = field(default_factory=dict)
    # The users whose seats get an assignment row: every one of a manual product, the
    # time-limited ones of a Microsoft 365 product.
    assigned: list[WaitEntry] = field(default_factory=list)


def plan_fill(
    product: Product,
    queue: Sequence[WaitEntry],
    requests: Mapping[str, LicenseRequest | None],
    now: datetime,
) -> FillPlan:
    """Seat the first waiting users while there are free seats (never more than free, never
    out of order). A Microsoft 365 seat is reserved and assigned by a fulfilment round."""
    seats = min(max(product.available_licenses, 0), len(queue))
    seated = list(queue[:seats])
    microsoft365 = product.source == "microsoft365"
    outcome = "pending" if microsoft365 else "assigned"
    changed: dict[str, LicenseRequest] = {}
    for entry in seated:
        request = changed.get(entry.request_id) or requests.get(entry.request_id)
        if request is None:
            continue  # the request expired: the seat is the user's all the same
        users = [
            u.model_copy(update={"outcome": outcome, "position": None})
            if u.outcome == "waiting" and u.email.lower() == entry.email.lower()
            else u
            for u in request.users
        ]
        update: dict[str, object] = {"users": users}
        if microsoft365:
            round_ = request.fulfilment.round + 1 if request.fulfilment else 1
            update["fulfilment"] = Fulfilment(status="pending", updated_at=now, round=round_)
        changed[entry.request_id] = request.model_copy(update=update)
    counts: dict[str, int] = (
        {"reserved_licenses": product.reserved_licenses + len(seated)}
        if microsoft365
        else {"assigned_licenses": product.assigned_licenses + len(seated)}
    )
    after = product.model_copy(update={**counts, "waiting": max(product.waiting - len(seated), 0)})
    return FillPlan(
        product=after,
        seated=seated,
        requests=changed,
        # Microsoft 365 knows its holders; a time-limited seat is remembered for its end.
        assigned=[e for e in seated if e.timed] if microsoft365 else seated,
    )


def waitlist_notice(entry: WaitEntry, product: Product, reason: str, now: datetime) -> Notice:
    """The email to someone taken off a waitlist ("removed" by an admin, "expired" after
    the tenant's maxWait): a decision-shaped notice to them alone, so that it renders and
    is delivered, relayed and deduplicated like every decision email."""
    user = {"email": entry.email, "name": entry.name, "outcome": "notAssigned"}
    payload: dict[str, object] = {
        "kind": "decision",
        "requestId": entry.request_id,
        "action": "approve",
        "requestedProductName": product.name,
        "productId": product.id,
        "productName": product.name,
        "disabledServicePlans": [],
        "message": None,
        "decidedBy": "",
        "requester": {"id": "", "name": "", "email": ""},
        "users": [user],
        "notify": [entry.email],
        "waitlist": reason,
    }
    return Notice("decision", entry.request_id, payload, now, round=to_millis(now))
