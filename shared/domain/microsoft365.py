"""Microsoft 365 products and their fulfilment (X11): pure rules, no Graph here.

A connected tenant's subscribed SKUs are products (`source: "microsoft365"`); Graph is
the truth for their seats and plans. An approval reserves seats; the fulfilment step
assigns them in Microsoft 365 and records each user's real outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.errors import InvalidRequest
from shared.domain.models import (
    Failure,
    Fulfilment,
    FulfilmentStatus,
    LicenseRequest,
    Person,
    Product,
    ProductPut,
    RequestUser,
    ServicePlan,
    WireModel,
)
from shared.domain.product_names import service_plan_name, sku_name

# Only SKUs people can be given, in a usable state, are products.
USABLE_SKU_STATES = frozenset({"Enabled", "Warning"})
# A fulfilment round gives up on users Graph keeps throttling after this many reschedules.
MAX_THROTTLED = 12


@dataclass(frozen=True)
class SubscribedSku:
    """A SKU the tenant subscribes to, with its seats."""

    sku_id: str
    part_number: str
    applies_to: str
    capability_status: str
    enabled: int
    consumed: int
    # (servicePlanId, servicePlanName) of the plans that apply to users.
    service_plans: tuple[tuple[str, str], ...] = ()

    @property
    def assignable(self) -> bool:
        """A user-assignable SKU in a usable state."""
        return self.applies_to == "User" and self.capability_status in USABLE_SKU_STATES


@dataclass(frozen=True)
class DirectoryUser:
    """A person of the tenant's directory."""

    id: str
    user_principal_name: str
    display_name: str | None = None
    mail: str | None = None
    enabled: bool = True
    usage_location: str | None = None
    preferred_language: str | None = None
    # SKUs the user holds (active assignments, direct or through a group).
    sku_ids: frozenset[str] = frozenset()
    # SKU id -> why a group-based assignment of it failed.
    license_errors: Mapping[str, Failure] = field(default_factory=dict)


class Microsoft365Connection(WireModel):
    """Whether a tenant is connected to Microsoft 365 (an admin consented), and its sync."""

    connected: bool = False
    connected_at: datetime | None = None
    connected_by: Person | None = None
    last_sync_at: datetime | None = None


# ---- the catalogue ------------------------------------------------------------------------


def product_id_for(part_number: str) -> str:
    """The product id of a SKU: stable, readable, storage-key safe."""
    slug = re.sub(r"[^a-z0-9]+", "-", part_number.lower()).strip("-") or "sku"
    return f"m365-{slug}"[:64]


def synced_catalogue(
    skus: Iterable[SubscribedSku], current: Iterable[Product], now: datetime
) -> tuple[list[Product], list[str]]:
    """The Microsoft 365 products after a sync (new or changed ones), and those to remove.

    Seats and plans come from the SKU; what the admin chose (self-service, display name,
    licensing group, approvers) and seats reserved by approvals under way are kept.
    """
    mine = {p.sku_id: p for p in current if p.source == "microsoft365" and p.sku_id}
    taken = {p.id for p in current if p.source != "microsoft365"}
    changed: list[Product] = []
    seen: set[str] = set()
    for sku in skus:
        if not sku.assignable:
            continue
        seen.add(sku.sku_id)
        before = mine.get(sku.sku_id)
        product_id = before.id if before else product_id_for(sku.part_number)
        if product_id in taken:  # a manual product or another SKU has that id
            product_id = f"m365-{sku.sku_id.lower()}"
        taken.add(product_id)
        after = Product(
            id=product_id,
            name=(before.custom_name if before else None) or sku_name(sku.part_number),
            self_service_purchase=before.self_service_purchase if before else "allowed",
            service_plans=[
                ServicePlan(id=plan_id, name=service_plan_name(name)[:200])
                for plan_id, name in sku.service_plans
            ],
            total_licenses=sku.enabled,
            assigned_licenses=sku.consumed,
            updated_at=before.updated_at if before else now,
            updated_by=before.updated_by if before else None,
            source="microsoft365",
            sku_id=sku.sku_id,
            sku_part_number=sku.part_number,
            custom_name=before.custom_name if before else None,
            licensing_group_id=before.licensing_group_id if before else None,
            reserved_licenses=before.reserved_licenses if before else 0,
            approvers=before.approvers if before else [],
            waiting=before.waiting if before else 0,
            queued=before.queued if before else 0,
        )
        if before is None or _seats_or_plans(before) != _seats_or_plans(after):
            changed.append(after)
    gone = [p.id for sku_id, p in mine.items() if sku_id not in seen]
    return changed, gone


def _seats_or_plans(p: Product) -> tuple[object, ...]:
    return (p.id, p.name, p.total_licenses, p.assigned_licenses, tuple(p.service_plans))


def with_live_seats(product: Product, sku: SubscribedSku | None) -> Product:
    """The product with the seats Graph reports now (approvals re-read them)."""
    if sku is None or not sku.assignable:
        raise InvalidRequest(
            f"{product.name} is no longer among your organisation's subscriptions.",
            field="productId",
        )
    return product.model_copy(
        update={"total_licenses": sku.enabled, "assigned_licenses": sku.consumed}
    )


def updated_microsoft365_product(
    current: Product, body: ProductPut, by: Person, now: datetime
) -> Product:
    """An admin's change to a Microsoft 365 product: self-service, display name, group.

    Seats and plans are Microsoft 365's: a body may repeat them as they are, no more.
    """
    if body.total_licenses is not None and body.total_licenses != current.total_licenses:
        raise InvalidRequest(
            "totalLicenses of a Microsoft 365 product comes from Microsoft 365; "
            "buy or remove licences in the Microsoft 365 admin center.",
            field="totalLicenses",
        )
    if body.service_plans is not None and [(p.id, p.name) for p in body.service_plans] != [
        (p.id, p.name) for p in current.service_plans
    ]:
        raise InvalidRequest(
            "servicePlans of a Microsoft 365 product come from Microsoft 365.",
            field="servicePlans",
        )
    custom = (
        body.name if body.name and body.name != sku_name(current.sku_part_number or "") else None
    )
    return current.model_copy(
        update={
            "name": custom or sku_name(current.sku_part_number or current.name),
            "custom_name": custom,
            "self_service_purchase": body.self_service_purchase,
            "licensing_group_id": body.licensing_group_id,
            "updated_at": now,
            "updated_by": by,
        }
    )


# ---- submitting ---------------------------------------------------------------------------


def resolved_users(
    users: Sequence[RequestUser],
    found: Mapping[str, DirectoryUser | None],
    product: Product,
) -> tuple[list[RequestUser], list[str]]:
    """The request's users as the directory knows them, and the addresses it does not.

    `found` maps each lower-case address to its directory user (None: unknown). A disabled
    account counts as unknown. Users who already hold the product are marked at once.
    """
    unknown: list[str] = []
    resolved: list[RequestUser] = []
    for user in users:
        person = found.get(user.email.lower())
        if person is None or not person.enabled:
            unknown.append(user.email)
            continue
        holds = product.source == "microsoft365" and product.sku_id in person.sku_ids
        resolved.append(
            user.model_copy(
                update={
                    "name": user.name or person.display_name,
                    "directory_id": person.id,
                    "language": person.preferred_language,
                    "outcome": "alreadyLicensed" if holds else "pending",
                }
            )
        )
    return resolved, unknown


# ---- fulfilment ---------------------------------------------------------------------------

Outcome = tuple[str, Failure | None]


@dataclass(frozen=True)
class FulfilmentStep:
    """A request after a fulfilment round, and how the product's counters move."""

    request: LicenseRequest
    assigned: int  # seats Microsoft 365 now counts (assignedLicenses grows by this)
    released: int  # reservations that ended (reservedLicenses shrinks by this)
    finished: bool  # no user is left pending: emails go out
    decided_now: list[str]  # emails whose outcome this round settled


def apply_fulfilment(
    request: LicenseRequest,
    outcomes: Mapping[str, Outcome],
    now: datetime,
    *,
    give_up: bool = False,
) -> FulfilmentStep:
    """Record this round's outcomes (by lower-case email); users without one stay pending
    (throttled), unless `give_up`, when they fail."""
    users: list[RequestUser] = []
    assigned = released = 0
    decided_now: list[str] = []
    for user in request.users:
        if user.outcome != "pending":
            users.append(user)
            continue
        outcome = outcomes.get(user.email.lower())
        if outcome is None and give_up:
            outcome = (
                "failed",
                Failure(
                    code="graph_error",
                    message="Microsoft 365 kept throttling the assignment; retry it later.",
                ),
            )
        if outcome is None:
            users.append(user)
            continue
        name, failure = outcome
        released += 1
        assigned += name == "assigned"
        decided_now.append(user.email)
        users.append(user.model_copy(update={"outcome": name, "failure": failure}))
    pending = any(u.outcome == "pending" for u in users)
    fulfilment = request.fulfilment or Fulfilment(status="pending", updated_at=now)
    status: FulfilmentStatus = "pending" if pending else _status(users)
    updated = request.model_copy(
        update={
            "users": users,
            "fulfilment": fulfilment.model_copy(
                update={
                    "status": status,
                    "updated_at": now,
                    "throttled": fulfilment.throttled + (1 if pending else 0),
                }
            ),
        }
    )
    return FulfilmentStep(updated, assigned, released, not pending, decided_now)


def _status(users: Sequence[RequestUser]) -> FulfilmentStatus:
    failed = sum(u.outcome == "failed" for u in users)
    if not failed:
        return "done"
    worked = sum(u.outcome in ("assigned", "alreadyLicensed") for u in users)
    return "failed" if worked == 0 else "partial"


def retried(request: LicenseRequest, now: datetime) -> tuple[LicenseRequest, list[str]]:
    """The request with its failed users pending again, for a new fulfilment round."""
    fulfilment = request.fulfilment
    again = [u.email for u in request.users if u.outcome == "failed"]
    if request.status != "approved" or fulfilment is None or not again:
        return request, []
    users = [
        u.model_copy(update={"outcome": "pending", "failure": None}) if u.outcome == "failed" else u
        for u in request.users
    ]
    return request.model_copy(
        update={
            "users": users,
            "fulfilment": Fulfilment(
                status="pending", updated_at=now, round=fulfilment.round + 1, retried=again
            ),
        }
    ), again
