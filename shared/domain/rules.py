"""Pure decisions of SPEC §1-§2: who may do what, fulfilment, seats, state transitions.

No I/O and no clock here: callers pass `now`, so every rule is testable as a law.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain.commands import ApproveCommand
from shared.domain.errors import (
    AlreadyDecided,
    Forbidden,
    InsufficientLicenses,
    InvalidProduct,
    InvalidRequest,
    InvalidServicePlan,
    LicensesInUse,
    NoUsersLeft,
    UnknownUser,
)
from shared.domain.identity import ADMIN_ROLES, AdminRole, Principal
from shared.domain.models import (
    Decision,
    Fulfilment,
    LicenseRequest,
    Person,
    Product,
    ProductPut,
    RequestCreate,
    RequestProcess,
    RequestProcessPut,
    RequestUser,
)
from shared.domain.terms import term_end


def person(principal: Principal) -> Person:
    """The audit identity of a signed-in user (X9)."""
    return Person(id=principal.user_id, name=principal.name, email=principal.email)


def manages_requests(principal: Principal, approver_roles: Sequence[AdminRole]) -> bool:
    """R5: a Global, License or User Administrator manages requests, unless the tenant
    narrowed the roles (the Global Administrator always does)."""
    return principal.is_global_admin or bool(principal.roles & set(approver_roles))


def not_an_admin() -> Forbidden:
    """The 403 of a caller without an admin role that manages requests."""
    return Forbidden(
        "This needs an admin role that manages license requests "
        "(Global, License or User Administrator)."
    )


def approves(principal: Principal, products: Iterable[Product]) -> set[str]:
    """The ids of the products the caller is an approver of."""
    return {p.id for p in products if p.approved_by(principal.email)}


# ---- retention (R4, X8) ------------------------------------------------------------------


def expires_at(created_at: datetime, retention: timedelta) -> datetime:
    """When a request stops existing."""
    return created_at + retention


def is_expired(created_at: datetime, now: datetime, retention: timedelta) -> bool:
    """A request kept for its whole retention period is gone, sweep or no sweep."""
    return now >= created_at + retention


def retention_cutoff(now: datetime, retention: timedelta) -> datetime:
    """Requests created at or before this instant are expired."""
    return now - retention


# ---- catalogue (X1, X2) ------------------------------------------------------------------


def fulfils(candidate: Product, requested: Product) -> bool:
    """X2: B satisfies a request for A when B's plans include all of A's (A always can)."""
    if candidate.id == requested.id:
        return True
    have = {p.id for p in candidate.service_plans}
    return all(p.id in have for p in requested.service_plans)


def fulfilling_products(catalogue: Iterable[Product], requested: Product) -> list[Product]:
    """The products an admin may choose from in R10, the requested one first."""
    matches = [p for p in catalogue if fulfils(p, requested)]
    return sorted(matches, key=lambda p: (p.id != requested.id, p.name.lower(), p.id))


def fulfilled_by(candidate: Product, catalogue: Iterable[Product]) -> list[str]:
    """X2: the ids of the products whose requests `candidate` can satisfy, itself included."""
    return sorted(p.id for p in catalogue if fulfils(candidate, p))


def manual_product(
    product_id: str, body: ProductPut, assigned: int, by: Person, now: datetime
) -> Product:
    """A product outside Microsoft 365, as an admin describes it; its seats in use are kept."""
    missing = [
        f for f, v in (("name", body.name), ("totalLicenses", body.total_licenses)) if v is None
    ]
    if missing:
        raise InvalidRequest(
            f"A product outside Microsoft 365 needs {' and '.join(missing)}.",
            errors=[{"field": f, "message": "required"} for f in missing],
        )
    if body.licensing_group_id is not None:
        raise InvalidRequest(
            "Only Microsoft 365 products can be licensed through a group.",
            field="licensingGroupId",
        )
    assert body.name is not None and body.total_licenses is not None
    check_total_licenses(body.total_licenses, assigned)
    return Product(
        id=product_id,
        name=body.name,
        self_service_purchase=body.self_service_purchase,
        service_plans=body.service_plans or [],
        total_licenses=body.total_licenses,
        assigned_licenses=assigned,
        updated_at=now,
        updated_by=by,
    )


def check_total_licenses(total: int, assigned: int) -> None:
    """A product never holds fewer licences than are assigned."""
    if total < assigned:
        raise LicensesInUse(
            f"{assigned} licences are assigned; totalLicenses cannot go below that.",
            assigned=assigned,
        )


# ---- own request process (R6, R7) --------------------------------------------------------


def updated_request_process(
    current: RequestProcess, change: RequestProcessPut, by: Person, now: datetime
) -> RequestProcess:
    """Apply an admin's settings change; the message is kept when switching off (R7)."""
    message = change.message
    if change.use_own_process and not message:
        raise InvalidRequest(
            "A message is required while users are sent to your own request process.",
            errors=[{"field": "message", "message": "required when useOwnProcess is true"}],
        )
    return RequestProcess(
        use_own_process=change.use_own_process,
        message=message,
        documentation_url=change.documentation_url,
        updated_at=now,
        updated_by=by,
        notify_admins=(
            current.notify_admins if change.notify_admins is None else change.notify_admins
        ),
        email_language=(
            change.email_language
            if "email_language" in change.model_fields_set
            else current.email_language
        ),
        approver_roles=(
            current.approver_roles
            if change.approver_roles is None
            else [r for r in ADMIN_ROLES if r in change.approver_roles]
        ),
        max_wait=change.max_wait if "max_wait" in change.model_fields_set else current.max_wait,
    )


# ---- submitting (R1, R2, X3) -------------------------------------------------------------


def request_users(requester: Person, others: Sequence[tuple[str, str | None]]) -> list[RequestUser]:
    """R2: the requester first, then each other user once (emails compare case-blind)."""
    users = [RequestUser(email=requester.email, name=requester.name)]
    seen = {requester.email.lower()}
    for email, name in others:
        if email.lower() not in seen:
            seen.add(email.lower())
            users.append(RequestUser(email=email, name=name))
    return users


def new_request(
    request_id: str,
    body: RequestCreate,
    product: Product,
    requester: Person,
    now: datetime,
    retention: timedelta,
) -> LicenseRequest:
    """A fresh pending request for `product`."""
    return LicenseRequest(
        id=request_id,
        product_id=product.id,
        product_name=product.name,
        requester=requester,
        users=request_users(requester, [(u.email, u.name) for u in body.users]),
        justification=body.justification,
        status="pending",
        created_at=now,
        expires_at=expires_at(now, retention),
        decision=None,
    )


# ---- deciding (R8-R12, X1, X5) -----------------------------------------------------------


def check_pending(request: LicenseRequest) -> None:
    """X5: a request is decided once."""
    if request.status != "pending":
        raise AlreadyDecided(
            f"This request was already {request.status}.", requestStatus=request.status
        )


@dataclass(frozen=True)
class ApprovalPlan:
    """What an approval will do: the request after it, the product and the seats it takes."""

    request: LicenseRequest
    product: Product
    newly_assigned: list[str]
    # Users who got no seat and wait for one (whenShort "wait"), in request order.
    waiting: list[str] = field(default_factory=list)


def choose_product(
    request: LicenseRequest, catalogue: Mapping[str, Product], chosen_id: str | None
) -> Product:
    """R10 + X2: the admin's product, which must fulfil the requested one."""
    requested = catalogue.get(request.product_id)
    target_id = chosen_id or request.product_id
    target = catalogue.get(target_id)
    if target is None:
        raise InvalidProduct(f"Product {target_id!r} is not in your catalogue.")
    if requested is not None and not fulfils(target, requested):
        raise InvalidProduct(
            f"{target.name} does not include every app and service of {requested.name}."
        )
    if requested is None and target.id != request.product_id:
        # The requested product was removed from the catalogue: only an exact match is safe.
        raise InvalidProduct("The requested product no longer exists; approve it as requested.")
    return target


def plan_approval(
    request: LicenseRequest,
    catalogue: Mapping[str, Product],
    command: ApproveCommand,
    holders: set[str],
    by: Person,
    now: datetime,
) -> ApprovalPlan:
    """R9-R12 and X1: who gets a licence, who already has one, who is left out, and
    until when (X14)."""
    check_pending(request)
    term = "licenseDuration" if command.license_duration else "licenseUntil"
    expires_at = term_end(command.license_duration, command.license_until, now, field=term)
    product = choose_product(request, catalogue, command.product_id)
    microsoft365 = product.source == "microsoft365"
    if microsoft365 and product.licensing_group_id and command.disabled_service_plans:
        raise InvalidServicePlan(
            f"{product.name} is licensed through a group: its apps are chosen on the group, "
            "not per user.",
            servicePlans=list(command.disabled_service_plans),
        )
    plan_ids = {p.id for p in product.service_plans}
    unknown_plans = [p for p in command.disabled_service_plans if p not in plan_ids]
    if unknown_plans:
        raise InvalidServicePlan(
            f"{product.name} has no service plan {', '.join(unknown_plans)}.",
            servicePlans=unknown_plans,
        )
    members = {u.email.lower() for u in request.users}
    excluded = {e.lower() for e in command.exclude_users}
    strangers = sorted(excluded - members)
    if strangers:
        raise UnknownUser(f"Not users of this request: {', '.join(strangers)}.", users=strangers)
    if members <= excluded:
        raise NoUsersLeft("Every user was removed; deny the request instead.")

    users: list[RequestUser] = []
    newly_assigned: list[str] = []
    for user in request.users:
        key = user.email.lower()
        if key in excluded:
            outcome = "notAssigned"
        elif key in holders:
            outcome = "alreadyLicensed"
        else:
            # A Microsoft 365 licence is assigned after the decision commits (fulfilment).
            outcome = "pending" if microsoft365 else "assigned"
            newly_assigned.append(key)
        users.append(user.model_copy(update={"outcome": outcome}))

    # People already waiting come first (first come, first served across requests).
    available = max(product.available_licenses - product.waiting, 0)
    waiting: list[str] = []
    if len(newly_assigned) > available:
        if command.when_short != "wait":
            needed = len(newly_assigned)
            raise InsufficientLicenses(
                f"{product.name} has {available} free licences; this approval needs {needed} "
                f"({needed - available} missing).",
                available=available,
                needed=needed,
                missing=needed - available,
            )
        newly_assigned, waiting = newly_assigned[:available], newly_assigned[available:]
        queued = set(waiting)
        users = [
            u.model_copy(update={"outcome": "waiting"}) if u.email.lower() in queued else u
            for u in users
        ]
    needed = len(newly_assigned)
    decided = request.model_copy(
        update={
            "status": "approved",
            "users": users,
            "decision": Decision(
                action="approve",
                decided_at=now,
                decided_by=by,
                product_id=product.id,
                disabled_service_plans=list(command.disabled_service_plans),
                message=command.message,
                license_expires_at=expires_at,
            ),
            "fulfilment": Fulfilment(status="pending", updated_at=now)
            if microsoft365 and needed
            else None,
        }
    )
    # Manual seats are counted here; Microsoft 365 seats are reserved until assigned.
    seats: dict[str, int] = (
        {"reserved_licenses": product.reserved_licenses + needed}
        if microsoft365
        else {"assigned_licenses": product.assigned_licenses + needed}
    )
    line = {"waiting": product.waiting + len(waiting), "queued": product.queued + len(waiting)}
    counted = product.model_copy(update={**seats, **line})
    return ApprovalPlan(
        request=decided, product=counted, newly_assigned=newly_assigned, waiting=waiting
    )


def plan_denial(
    request: LicenseRequest, message: str | None, by: Person, now: datetime
) -> LicenseRequest:
    """R8: the whole request is denied; nobody gets a licence."""
    check_pending(request)
    return request.model_copy(
        update={
            "status": "denied",
            "users": [u.model_copy(update={"outcome": "notAssigned"}) for u in request.users],
            "decision": Decision(
                action="deny",
                decided_at=now,
                decided_by=by,
                product_id=None,
                disabled_service_plans=[],
                message=message,
            ),
        }
    )
