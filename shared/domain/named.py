"""Everyone a request names (X3, X12): the requester and the users they added.

A person is matched by their directory object id when the request knows it (Microsoft
365 tenants: the token's `oid`), else by address, compared case-blind; so Diego, added
by Lee, finds the request in My requests and may open it, with his own outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from shared.domain.errors import InvalidRequest
from shared.domain.identity import Principal
from shared.domain.models import (
    LicenseRequest,
    Product,
    RequestCreate,
    RequestUser,
    ServicePlan,
    WireModel,
)

Role = Literal["requester", "included"]
# A request names its requester and at most this many others (RequestCreate's limit).
MAX_OTHER_USERS = 50
MAX_JUSTIFICATION = 1000


def user_of(request: LicenseRequest, who: Principal) -> RequestUser | None:
    """The caller as a user of the request, if it names them."""
    user_id, email = who.user_id.lower(), who.email.lower()
    for user in request.users:
        if (user.directory_id and user.directory_id.lower() == user_id) or (
            user.email.lower() == email
        ):
            return user
    return None


def role_of(request: LicenseRequest, who: Principal) -> Role | None:
    """Whether the caller asked for the request, was named in it, or neither."""
    if request.requester.id == who.user_id:
        return "requester"
    return "included" if user_of(request, who) is not None else None


def merged(request: LicenseRequest, body: RequestCreate) -> LicenseRequest | None:
    """X3: the pending request with the new users added (case-blind, once) and the
    justification appended; None when the body adds nothing. 400 when the result would
    break a limit of a new request (nothing is changed then)."""
    known = {u.email.lower() for u in request.users}
    added: list[RequestUser] = []
    for user in body.users:
        if user.email.lower() not in known:
            known.add(user.email.lower())
            added.append(RequestUser(email=user.email, name=user.name))
    justification = request.justification
    new_text = body.justification
    if new_text and new_text not in (justification or ""):
        justification = f"{justification}\n\n{new_text}" if justification else new_text
    if not added and justification == request.justification:
        return None
    others = len(request.users) - 1 + len(added)
    if others > MAX_OTHER_USERS:
        raise InvalidRequest(
            f"Your pending request would name {others} other users; at most "
            f"{MAX_OTHER_USERS} are allowed.",
            errors=[{"field": "users", "message": f"at most {MAX_OTHER_USERS} in all"}],
        )
    if justification and len(justification) > MAX_JUSTIFICATION:
        raise InvalidRequest(
            f"Your pending request's justification would be {len(justification)} characters;"
            f" at most {MAX_JUSTIFICATION} are allowed.",
            errors=[{"field": "justification", "message": "too long once appended"}],
        )
    return request.model_copy(
        update={"users": [*request.users, *added], "justification": justification}
    )


class AppRef(WireModel):
    """A product or an app, by id and name."""

    id: str
    name: str


class MyRequest(WireModel):
    """A request as one of the people it names sees it in My requests (X4, X12)."""

    request: LicenseRequest
    role: Role
    # The caller's own outcome, the product really assigned, the apps switched off.
    my_outcome: str
    assigned_product: AppRef | None
    disabled_apps: list[AppRef]

    def to_wire(self) -> dict[str, object]:
        """The request's own representation, with the caller's view beside it."""
        view = self.model_dump(mode="json", by_alias=True, exclude={"request"})
        return {**self.request.to_wire(), **view}


def my_request(
    request: LicenseRequest, who: Principal, catalogue: Mapping[str, Product]
) -> MyRequest | None:
    """How the caller sees a request naming them (None when it does not)."""
    role = role_of(request, who)
    user = user_of(request, who)
    if role is None:
        return None
    outcome = user.outcome if user else "pending"
    decision = request.decision
    assigned: AppRef | None = None
    apps: list[AppRef] = []
    if decision and decision.action == "approve" and outcome in ("assigned", "pending"):
        product_id = decision.product_id or request.product_id
        product = catalogue.get(product_id)
        name = request.product_name if product_id == request.product_id else None
        assigned = AppRef(id=product_id, name=name or (product.name if product else product_id))
        plans: dict[str, ServicePlan] = {p.id: p for p in product.service_plans} if product else {}
        apps = [
            AppRef(id=p, name=plans[p].name if p in plans else p)
            for p in decision.disabled_service_plans
        ]
    return MyRequest(
        request=request,
        role=role,
        my_outcome=outcome,
        assigned_product=assigned,
        disabled_apps=apps,
    )
