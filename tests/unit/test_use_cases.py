"""The use cases on an in-memory store: fast checks of the lifecycle rules of SPEC §1-§2.

The same behaviours are checked against Azurite in tests/integration and over HTTP in
tests/e2e; these run in milliseconds and reach the paths storage makes hard to provoke
(lost races, a queue outage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.ports import StoreConflict
from shared.app.queries import ListQuery, PageQuery
from shared.app.retry import MAX_ATTEMPTS, TryAgain, retry_on_conflict
from shared.app.service import LicenseService
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.errors import (
    AlreadyDecided,
    Forbidden,
    InsufficientLicenses,
    NotFound,
    OwnRequestProcess,
    SelfServiceAllowed,
    StorageUnavailable,
    UnknownProduct,
)
from shared.domain.identity import Principal
from shared.domain.models import (
    ProductPut,
    RequestCreate,
    RequestProcessPut,
)
from tests.support.clock import FrozenClock
from tests.unit.fakes import FakeRequestStore, RecordingNotifier

TENANT = "contoso"
ADMIN = Principal(TENANT, "a1", "Ada Admin", "ada@contoso.com", True)
MEGAN = Principal(TENANT, "u1", "Megan Bowen", "megan@contoso.com", False)
LEE = Principal(TENANT, "u2", "Lee Gu", "lee@contoso.com", False)
RETENTION = timedelta(days=30)
X_PRODUCT = {"name": "X", "selfServicePurchase": "blocked", "totalLicenses": 1}


@dataclass
class World:
    service: LicenseService
    store: FakeRequestStore
    notifier: RecordingNotifier
    clock: FrozenClock
    sleeps: list[float]

    def product(self, pid: str, total: int = 10, plans: tuple[str, ...] = ("p",)) -> None:
        body = {
            "name": pid.upper(),
            "selfServicePurchase": "blocked",
            "totalLicenses": total,
            "servicePlans": [{"id": p, "name": p} for p in plans],
        }
        self.service.put_product(ADMIN, pid, ProductPut.model_validate(body))

    def submit(self, who: Principal, pid: str, *others: str) -> str:
        body = RequestCreate.model_validate(
            {"productId": pid, "users": [{"email": e} for e in others]}
        )
        return self.service.submit(who, body).request.id


@pytest.fixture
def world() -> World:
    store, notifier, clock, sleeps = FakeRequestStore(), RecordingNotifier(), FrozenClock(), []
    context = UseCaseContext(
        store=store, clock=clock, retention=RETENTION, notifier=notifier, sleep=sleeps.append
    )
    return World(LicenseService(context, CursorCodec("c" * 40)), store, notifier, clock, sleeps)


def approve(**fields: object) -> ApproveCommand:
    return ApproveCommand.model_validate(fields)


def test_submit_makes_a_pending_request_with_the_requester_first(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio", "alex@contoso.com", "MEGAN@contoso.com")
    request = world.service.get_request(MEGAN, request_id)
    assert request.status == "pending"
    assert [u.email for u in request.users] == ["megan@contoso.com", "alex@contoso.com"]
    assert request.expires_at == request.created_at + RETENTION
    assert world.store.registered == {TENANT}


def test_submitting_again_while_pending_returns_the_pending_request(world: World) -> None:
    world.product("visio")
    first = world.submit(MEGAN, "visio")
    again = world.service.submit(MEGAN, RequestCreate.model_validate({"productId": "visio"}))
    assert (again.created, again.request.id) == (False, first)


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("none", UnknownProduct),
        ("self-service", SelfServiceAllowed),
        ("own-process", OwnRequestProcess),
    ],
)
def test_submit_is_refused_where_no_request_may_exist(
    world: World, setup: str, error: type[Exception]
) -> None:
    if setup == "self-service":
        body = {"name": "V", "selfServicePurchase": "allowed", "totalLicenses": 1}
        world.service.put_product(ADMIN, "visio", ProductPut.model_validate(body))
    elif setup == "own-process":
        world.product("visio")
        change = {"useOwnProcess": True, "message": "Ask the service desk"}
        world.service.put_request_process(ADMIN, RequestProcessPut.model_validate(change))
    with pytest.raises(error):
        world.submit(MEGAN, "visio")
    assert world.store.tenant(TENANT).requests == {}


def test_approval_in_part_takes_seats_and_queues_its_notice(world: World) -> None:
    world.product("visio", total=5)
    request_id = world.submit(MEGAN, "visio", "alex@contoso.com", "lee@contoso.com")
    decided = world.service.approve(ADMIN, request_id, approve(excludeUsers=["lee@contoso.com"]))
    assert [u.outcome for u in decided.users] == ["assigned", "assigned", "notAssigned"]
    [product] = world.service.list_products(ADMIN)
    assert product.product.assigned_licenses == 2
    [message] = world.notifier.notices()
    assert message.key == f"O|{request_id}|decision" and message.etag


def test_too_few_seats_change_nothing(world: World) -> None:
    world.product("visio", total=1)
    request_id = world.submit(MEGAN, "visio", "alex@contoso.com")
    with pytest.raises(InsufficientLicenses) as caught:
        world.service.approve(ADMIN, request_id, approve())
    assert caught.value.extra == {"available": 1, "needed": 2, "missing": 1}
    assert world.service.get_request(ADMIN, request_id).status == "pending"
    assert world.notifier.notices() == []


def test_users_holding_the_product_are_not_charged_twice(world: World) -> None:
    world.product("visio", total=2)
    world.service.approve(ADMIN, world.submit(LEE, "visio", "alex@contoso.com"), approve())
    # No seat left: Alex and Lee hold the product, so only Megan would need one.
    second = world.submit(MEGAN, "visio", "alex@contoso.com", "lee@contoso.com")
    with pytest.raises(InsufficientLicenses) as caught:
        world.service.approve(ADMIN, second, approve())
    assert caught.value.extra["needed"] == 1
    decided = world.service.approve(ADMIN, second, approve(excludeUsers=["megan@contoso.com"]))
    assert [u.outcome for u in decided.users] == [
        "notAssigned",
        "alreadyLicensed",
        "alreadyLicensed",
    ]
    assert world.service.list_products(ADMIN)[0].product.assigned_licenses == 2


def test_holders_learnt_from_a_taken_assignment_are_not_charged(world: World) -> None:
    world.product("visio", total=3)
    world.service.approve(ADMIN, world.submit(LEE, "visio", "alex@contoso.com"), approve())
    second = world.submit(MEGAN, "visio", "alex@contoso.com")
    decided = world.service.approve(ADMIN, second, approve())
    assert [u.outcome for u in decided.users] == ["assigned", "alreadyLicensed"]
    assert world.service.list_products(ADMIN)[0].product.assigned_licenses == 3


def test_lost_races_are_retried_after_a_short_random_wait(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    world.store.conflicts = 3
    assert world.service.deny(ADMIN, request_id, DenyCommand()).status == "denied"
    assert len(world.sleeps) == 3 and all(0 <= s <= 0.04 for s in world.sleeps)


def test_endless_races_end_in_a_503_with_retry_after(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    world.store.conflicts = MAX_ATTEMPTS
    with pytest.raises(StorageUnavailable) as caught:
        world.service.approve(ADMIN, request_id, approve())
    assert caught.value.headers["Retry-After"] == "1"
    assert world.service.get_request(ADMIN, request_id).status == "pending"


def test_a_request_is_decided_once(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    world.service.deny(ADMIN, request_id, DenyCommand())
    with pytest.raises(AlreadyDecided):
        world.service.approve(ADMIN, request_id, approve())
    assert len(world.notifier.notices()) == 1


def test_a_queue_outage_never_undoes_a_decision(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    world.notifier.down = True
    assert world.service.approve(ADMIN, request_id, approve()).status == "approved"
    # The outbox row stays for the relay.
    assert f"O|{request_id}|decision" in world.store.tenant(TENANT).outbox


@pytest.mark.parametrize(("age", "visible"), [(29, True), (30, False), (31, False)])
def test_requests_vanish_at_exactly_their_retention(world: World, age: int, visible: bool) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    world.clock.advance(timedelta(days=age))
    mine = world.service.my_requests(MEGAN, PageQuery(limit=10)).items
    listed = world.service.list_requests(ADMIN, ListQuery(limit=10, view="all")).items
    assert ([r.request.id for r in mine] == [request_id]) is visible
    assert ([r.id for r in listed] == [request_id]) is visible
    if not visible:
        with pytest.raises(NotFound):
            world.service.get_request(ADMIN, request_id)


def test_the_default_list_shows_only_pending_while_the_own_process_is_on(world: World) -> None:
    world.product("visio")
    denied = world.submit(MEGAN, "visio")
    world.service.deny(ADMIN, denied, DenyCommand())
    pending = world.submit(LEE, "visio")
    change = {"useOwnProcess": True, "message": "Ask the service desk"}
    world.service.put_request_process(ADMIN, RequestProcessPut.model_validate(change))
    default = world.service.list_requests(ADMIN, ListQuery(limit=10))
    assert [s.id for s in default.items] == [pending]
    assert default.process.use_own_process is True
    completed = world.service.list_requests(ADMIN, ListQuery(limit=10, view="completed"))
    assert [s.id for s in completed.items] == [denied]


def test_pages_continue_where_the_cursor_says(world: World) -> None:
    world.product("visio")
    ids = []
    for who in (MEGAN, LEE, ADMIN):
        ids.append(world.submit(who, "visio"))
        world.clock.advance(timedelta(seconds=1))
    first = world.service.list_requests(ADMIN, ListQuery(limit=2, view="pending"))
    rest = world.service.list_requests(
        ADMIN, ListQuery(limit=2, view="pending", cursor=first.next_cursor)
    )
    assert [s.id for s in first.items + rest.items] == ids[::-1]
    assert rest.next_cursor is None


def test_only_admins_decide_list_and_change_the_catalogue(world: World) -> None:
    world.product("visio")
    request_id = world.submit(MEGAN, "visio")
    for call in (
        lambda: world.service.approve(MEGAN, request_id, approve()),
        lambda: world.service.deny(MEGAN, request_id, DenyCommand()),
        lambda: world.service.list_requests(MEGAN, ListQuery(limit=10)),
        lambda: world.service.put_product(
            MEGAN,
            "x",
            ProductPut.model_validate(
                {"name": "X", "selfServicePurchase": "blocked", "totalLicenses": 1}
            ),
        ),
    ):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(NotFound):
        world.service.get_request(LEE, request_id)


def test_the_retry_helper_waits_only_after_lost_races() -> None:
    sleeps: list[float] = []
    outcomes = iter([TryAgain(), StoreConflict("lost"), "done"])

    def attempt(_: int) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert retry_on_conflict(attempt, sleep=sleeps.append) == "done"
    assert len(sleeps) == 1
