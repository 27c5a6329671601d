"""Pure rules of SPEC §1-§2, tested without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain import rules
from shared.domain.commands import ApproveCommand
from shared.domain.errors import (
    AlreadyDecided,
    InsufficientLicenses,
    InvalidProduct,
    InvalidRequest,
    InvalidServicePlan,
    LicensesInUse,
    NoUsersLeft,
    UnknownUser,
)
from shared.domain.identity import Principal
from shared.domain.models import (
    LicenseRequest,
    Person,
    Product,
    RequestCreate,
    RequestProcess,
    RequestProcessPut,
    ServicePlan,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ADMIN = Person(id="a1", name="Ada", email="ada@contoso.com")
MEGAN = Person(id="u1", name="Megan", email="megan@contoso.com")


def product(pid: str, plans: list[str], total: int = 10, assigned: int = 0) -> Product:
    return Product(
        id=pid,
        name=pid.upper(),
        self_service_purchase="blocked",
        service_plans=[ServicePlan(id=p, name=p) for p in plans],
        total_licenses=total,
        assigned_licenses=assigned,
    )


def request_for(prod: Product, others: list[str]) -> LicenseRequest:
    body = RequestCreate.model_validate(
        {"productId": prod.id, "users": [{"email": e} for e in others]}
    )
    return rules.new_request("r1", body, prod, MEGAN, NOW, timedelta(days=30))


def approve(**kwargs: object) -> ApproveCommand:
    return ApproveCommand.model_validate(kwargs)


# ---- R5 ----------------------------------------------------------------------------------


def test_global_license_and_user_administrators_manage_requests_unless_narrowed() -> None:
    everyone = ["global", "license", "user"]
    glob = Principal("t", "a", "A", "a@x.com", True)
    lic = Principal("t", "l", "L", "l@x.com", False, frozenset({"license"}))
    usr = Principal("t", "u", "U", "u@x.com", False, frozenset({"user"}))
    plain = Principal("t", "p", "P", "p@x.com", False)
    assert [rules.manages_requests(p, everyone) for p in (glob, lic, usr, plain)] == [
        True,
        True,
        True,
        False,
    ]
    assert [rules.manages_requests(p, ["global"]) for p in (glob, lic, usr, plain)] == [
        True,
        False,
        False,
        False,
    ]
    assert rules.manages_requests(usr, ["global", "user"])


# ---- X2 ----------------------------------------------------------------------------------


def test_a_product_fulfils_a_request_when_it_has_every_plan_of_the_requested_one() -> None:
    e3 = product("e3", ["exchange", "teams"])
    e5 = product("e5", ["exchange", "teams", "bi"])
    bi = product("bi", ["bi"])
    assert rules.fulfils(e5, e3)
    assert not rules.fulfils(e3, e5)
    assert not rules.fulfils(bi, e3)
    assert [p.id for p in rules.fulfilling_products([bi, e5, e3], e3)] == ["e3", "e5"]


@given(st.sets(st.sampled_from("abcdef")), st.sets(st.sampled_from("abcdef")))
def test_fulfilment_is_plan_inclusion_and_every_product_fulfils_itself(
    a: set[str], b: set[str]
) -> None:
    pa, pb = product("a", sorted(a)), product("b", sorted(b))
    assert rules.fulfils(pa, pa)
    assert rules.fulfils(pb, pa) == (a <= b)


# ---- R2 ----------------------------------------------------------------------------------


def test_the_requester_is_a_user_of_the_request_listed_first_and_once() -> None:
    req = request_for(product("v", ["v"]), ["B@x.com", "b@x.com", "MEGAN@contoso.com"])
    assert [u.email for u in req.users] == ["megan@contoso.com", "B@x.com"]
    assert req.expires_at == NOW + timedelta(days=30)


# ---- R4 / X8 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (timedelta(days=29, hours=23), False),
        (timedelta(days=30), True),
        (timedelta(days=30, seconds=1), True),
    ],
)
def test_a_request_expires_after_exactly_its_retention(age: timedelta, expired: bool) -> None:
    assert rules.is_expired(NOW, NOW + age, timedelta(days=30)) is expired


# ---- R6 / R7 -----------------------------------------------------------------------------


def test_switching_the_own_process_on_needs_a_message() -> None:
    with pytest.raises(InvalidRequest):
        rules.updated_request_process(
            RequestProcess(), RequestProcessPut.model_validate({"useOwnProcess": True}), ADMIN, NOW
        )


def test_settings_changes_are_audited_and_keep_the_notify_list_when_omitted() -> None:
    current = RequestProcess(notify_admins=["it@x.com"])
    change = RequestProcessPut.model_validate({"useOwnProcess": True, "message": "Go to IT"})
    updated = rules.updated_request_process(current, change, ADMIN, NOW)
    assert (updated.updated_by, updated.updated_at) == (ADMIN, NOW)
    assert updated.notify_admins == ["it@x.com"]


# ---- R8-R12, X1, X5 ----------------------------------------------------------------------


def test_approving_in_part_assigns_the_rest() -> None:
    visio = product("v", ["v"])
    req = request_for(visio, ["b@x.com", "c@x.com"])
    plan = rules.plan_approval(
        req, {"v": visio}, approve(excludeUsers=["B@x.com"]), set(), ADMIN, NOW
    )
    assert [u.outcome for u in plan.request.users] == ["assigned", "notAssigned", "assigned"]
    assert plan.newly_assigned == ["megan@contoso.com", "c@x.com"]
    assert plan.product.assigned_licenses == 2
    assert plan.request.decision is not None and plan.request.decision.decided_by == ADMIN


def test_holders_are_not_charged_twice() -> None:
    visio = product("v", ["v"], total=1)
    req = request_for(visio, ["b@x.com"])
    plan = rules.plan_approval(req, {"v": visio}, approve(), {"b@x.com"}, ADMIN, NOW)
    assert [u.outcome for u in plan.request.users] == ["assigned", "alreadyLicensed"]
    assert plan.product.assigned_licenses == 1


def test_too_few_licences_say_how_many_are_missing() -> None:
    visio = product("v", ["v"], total=3, assigned=2)
    req = request_for(visio, ["b@x.com", "c@x.com"])
    with pytest.raises(InsufficientLicenses) as caught:
        rules.plan_approval(req, {"v": visio}, approve(), set(), ADMIN, NOW)
    assert caught.value.extra == {"available": 1, "needed": 3, "missing": 2}


def test_the_chosen_product_must_fulfil_the_request_and_know_the_plans() -> None:
    e3, e5, bi = product("e3", ["x", "t"]), product("e5", ["x", "t", "b"]), product("bi", ["b"])
    catalogue = {p.id: p for p in (e3, e5, bi)}
    req = request_for(e3, [])
    chosen = rules.plan_approval(
        req, catalogue, approve(productId="e5", disabledServicePlans=["b"]), set(), ADMIN, NOW
    )
    assert chosen.product.id == "e5"
    with pytest.raises(InvalidProduct):
        rules.plan_approval(req, catalogue, approve(productId="bi"), set(), ADMIN, NOW)
    with pytest.raises(InvalidProduct):
        rules.plan_approval(req, catalogue, approve(productId="gone"), set(), ADMIN, NOW)
    with pytest.raises(InvalidServicePlan):
        rules.plan_approval(req, catalogue, approve(disabledServicePlans=["b"]), set(), ADMIN, NOW)


def test_excluding_everyone_or_strangers_is_refused() -> None:
    visio = product("v", ["v"])
    req = request_for(visio, ["b@x.com"])
    with pytest.raises(NoUsersLeft):
        rules.plan_approval(
            req,
            {"v": visio},
            approve(excludeUsers=["megan@contoso.com", "b@x.com"]),
            set(),
            ADMIN,
            NOW,
        )
    with pytest.raises(UnknownUser):
        rules.plan_approval(req, {"v": visio}, approve(excludeUsers=["z@x.com"]), set(), ADMIN, NOW)


def test_a_request_is_decided_once() -> None:
    visio = product("v", ["v"])
    denied = rules.plan_denial(request_for(visio, ["b@x.com"]), "no", ADMIN, NOW)
    assert [u.outcome for u in denied.users] == ["notAssigned", "notAssigned"]
    with pytest.raises(AlreadyDecided):
        rules.plan_denial(denied, None, ADMIN, NOW)
    with pytest.raises(AlreadyDecided):
        rules.plan_approval(denied, {"v": visio}, approve(), set(), ADMIN, NOW)


def test_totals_cannot_drop_below_assignments() -> None:
    rules.check_total_licenses(3, 3)
    with pytest.raises(LicensesInUse):
        rules.check_total_licenses(2, 3)


@given(
    total=st.integers(0, 20),
    assigned=st.integers(0, 20),
    others=st.integers(0, 8),
    excluded=st.integers(0, 9),
    holders=st.integers(0, 9),
)
def test_seats_are_never_oversubscribed(
    total: int, assigned: int, others: int, excluded: int, holders: int
) -> None:
    assigned = min(assigned, total)
    visio = product("v", ["v"], total=total, assigned=assigned)
    req = request_for(visio, [f"u{i}@x.com" for i in range(others)])
    emails = [u.email for u in req.users]
    command = approve(excludeUsers=emails[:excluded])
    try:
        plan = rules.plan_approval(
            req, {"v": visio}, command, set(emails[-holders:] if holders else []), ADMIN, NOW
        )
    except (InsufficientLicenses, NoUsersLeft):
        return
    assert plan.product.assigned_licenses <= plan.product.total_licenses
    assert plan.product.assigned_licenses - assigned == len(plan.newly_assigned)
    assert sum(u.outcome == "assigned" for u in plan.request.users) == len(plan.newly_assigned)
