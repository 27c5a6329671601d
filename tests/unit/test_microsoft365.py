"""Microsoft 365 use cases on an in-memory store and directory (X11): connecting, the
catalogue sync, directory checks at submit, approval against live seats, fulfilment
with its failure codes, throttling, redelivery, group licensing and retries.

The same paths run against the local Graph emulator in tests/integration and tests/e2e.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.fulfilment import FulfilmentWorker
from shared.app.microsoft365 import ConsentConfig
from shared.app.notifications import queue_message
from shared.app.service import LicenseService
from shared.domain.commands import ApproveCommand
from shared.domain.errors import (
    DirectoryUnavailable,
    InsufficientLicenses,
    InvalidRequest,
    NotConnected,
    NothingToRetry,
    UnknownUser,
)
from shared.domain.identity import Principal
from shared.domain.models import ProductPut, RequestCreate, RequestProcessPut
from shared.domain.notices import notice_kind
from tests.support.clock import FrozenClock
from tests.unit.fakes import FakeDirectory, FakeRequestStore, RecordingNotifier

TENANT = "contoso"
ADMIN = Principal(TENANT, "id-admin", "Ada Admin", "admin@contoso.com", True)
MEGAN = Principal(TENANT, "id-megan", "Megan Bowen", "megan@contoso.com", False)
CONFIG = ConsentConfig(
    client_id="app-id",
    authority_host="https://login.example",
    redirect_uri="https://app.example/api/setup/microsoft365/callback",
    console_url="https://app.example/api/console/",
)


@dataclass
class World:
    service: LicenseService
    worker: FulfilmentWorker
    store: FakeRequestStore
    directory: FakeDirectory
    notifier: RecordingNotifier
    clock: FrozenClock

    def connect(self) -> None:
        url = self.service.microsoft365.consent_url(ADMIN)
        state = parse_qs(urlsplit(url).query)["state"][0]
        back = self.service.microsoft365.complete_consent(
            {"admin_consent": "True", "tenant": TENANT, "state": state}
        )
        assert back.endswith("#/products?microsoft365=connected")

    def block(self, product_id: str, **extra: object) -> None:
        body = {"selfServicePurchase": "blocked", **extra}
        self.service.put_product(ADMIN, product_id, ProductPut.model_validate(body))

    def submit(self, who: Principal, product_id: str, *others: str) -> str:
        body = {"productId": product_id, "users": [{"email": e} for e in others]}
        return self.service.submit(who, RequestCreate.model_validate(body)).request.id

    def fulfil(self) -> list[str]:
        """Run every queued fulfilment message; what became of each."""
        done = []
        while messages := [m for m in self.notifier.take() if notice_kind(m.key) == "fulfilment"]:
            done += [self.worker.handle(queue_message(m)) for m in messages]
        return done

    def request(self, request_id: str):  # type: ignore[no-untyped-def]
        return self.service.get_request(ADMIN, request_id)


@pytest.fixture
def world() -> World:
    store, directory, notifier, clock = (
        FakeRequestStore(),
        FakeDirectory(),
        RecordingNotifier(),
        FrozenClock(),
    )
    ctx = UseCaseContext(
        store=store,
        clock=clock,
        retention=timedelta(days=30),
        notifier=notifier,
        sleep=lambda _: None,
    )
    service = LicenseService(ctx, CursorCodec("c" * 40), directory, CONFIG)
    for upn in ("admin", "megan", "alex", "lee"):
        directory.add_user(f"{upn}@contoso.com")
    directory.add_sku("ENTERPRISEPACK", enabled=5, consumed=1)
    return World(
        service, FulfilmentWorker(ctx, directory, notifier), store, directory, notifier, clock
    )


def test_consent_connects_the_tenant_and_its_skus_become_products(world: World) -> None:
    world.directory.add_sku("STREAM", enabled=9, applies_to="Company")
    world.directory.add_sku("VISIOCLIENT", enabled=2, status="Suspended")
    world.connect()
    status = world.service.microsoft365.status(ADMIN)
    assert status.connected and status.connected_by and status.connected_by.id == "id-admin"
    [item] = world.service.list_products(ADMIN)
    product = item.product
    assert (product.id, product.name, product.source) == (
        "m365-enterprisepack",
        "Office 365 E3",
        "microsoft365",
    )
    assert (product.total_licenses, product.assigned_licenses) == (5, 1)
    assert [p.name for p in product.service_plans] == [
        "Microsoft Teams",
        "Exchange Online (Plan 2)",
    ]
    # New SKUs are not requestable until an admin blocks self-service for them.
    assert product.self_service_purchase == "allowed"
    assert world.store.connected_tenants() == [TENANT]


def test_a_forged_or_expired_consent_state_is_refused(world: World) -> None:
    url = world.service.microsoft365.consent_url(ADMIN)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with pytest.raises(InvalidRequest):
        world.service.microsoft365.complete_consent(
            {"admin_consent": "True", "state": state[:-2] + "xx"}
        )
    world.clock.advance(timedelta(minutes=16))
    with pytest.raises(InvalidRequest):
        world.service.microsoft365.complete_consent({"admin_consent": "True", "state": state})
    assert world.store.connected_tenants() == []


def test_declined_consent_connects_nothing(world: World) -> None:
    url = world.service.microsoft365.consent_url(ADMIN)
    state = parse_qs(urlsplit(url).query)["state"][0]
    back = world.service.microsoft365.complete_consent({"error": "access_denied", "state": state})
    assert back.endswith("microsoft365=denied")
    assert not world.service.microsoft365.status(ADMIN).connected


def test_a_sync_keeps_admin_choices_and_follows_the_seats(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack", name="E3 for staff")
    sku = world.directory.skus["sku-enterprisepack"]
    world.directory.skus[sku.sku_id] = replace(sku, enabled=8, consumed=3)
    [product] = world.service.microsoft365.sync(ADMIN)
    assert (product.name, product.self_service_purchase) == ("E3 for staff", "blocked")
    assert (product.total_licenses, product.assigned_licenses) == (8, 3)
    del world.directory.skus[sku.sku_id]
    assert world.service.microsoft365.sync(ADMIN) == []


def test_seats_and_plans_of_a_microsoft365_product_are_read_only(world: World) -> None:
    world.connect()
    with pytest.raises(InvalidRequest, match="totalLicenses"):
        world.block("m365-enterprisepack", totalLicenses=50)
    with pytest.raises(InvalidRequest, match="servicePlans"):
        world.block("m365-enterprisepack", servicePlans=[{"id": "x", "name": "X"}])
    assert world.service.list_products(ADMIN)[0].product.total_licenses == 5


def test_submit_refuses_people_outside_the_directory_and_stores_nothing(world: World) -> None:
    world.directory.add_user("gone@contoso.com", enabled=False)
    world.connect()
    world.block("m365-enterprisepack")
    with pytest.raises(UnknownUser) as caught:
        world.submit(MEGAN, "m365-enterprisepack", "bob@fabrikam.com", "gone@contoso.com")
    assert caught.value.extra["users"] == ["bob@fabrikam.com", "gone@contoso.com"]
    assert world.store.tenant(TENANT).requests == {}


def test_submit_marks_users_who_already_hold_the_licence(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    alex = world.directory.users["id-alex"]
    world.directory.users["id-alex"] = replace(alex, sku_ids=frozenset({"sku-enterprisepack"}))
    request = world.request(world.submit(MEGAN, "m365-enterprisepack", "alex@contoso.com"))
    assert [(u.email, u.outcome) for u in request.users] == [
        ("megan@contoso.com", "pending"),
        ("alex@contoso.com", "alreadyLicensed"),
    ]
    assert request.users[1].name == "Alex"  # the directory's name when none was given


def test_a_directory_outage_at_submit_is_a_503_and_stores_nothing(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    world.directory.down = True
    with pytest.raises(DirectoryUnavailable) as caught:
        world.submit(MEGAN, "m365-enterprisepack")
    assert caught.value.status == 503 and caught.value.headers["Retry-After"]
    assert world.store.tenant(TENANT).requests == {}


def test_approval_reserves_live_seats_then_fulfilment_assigns_them(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    request_id = world.submit(MEGAN, "m365-enterprisepack", "alex@contoso.com")
    decided = world.service.approve(
        ADMIN, request_id, ApproveCommand.model_validate({"disabledServicePlans": ["plan-a"]})
    )
    assert [u.outcome for u in decided.users] == ["pending", "pending"]
    assert decided.fulfilment and decided.fulfilment.status == "pending"
    assert world.service.list_products(ADMIN)[0].product.reserved_licenses == 2
    assert world.fulfil() == ["done"]
    done = world.request(request_id)
    assert [u.outcome for u in done.users] == ["assigned", "assigned"]
    assert done.fulfilment and done.fulfilment.status == "done"
    assert world.directory.assigned == [
        ("id-megan", "sku-enterprisepack", ("plan-a",)),
        ("id-alex", "sku-enterprisepack", ("plan-a",)),
    ]
    product = world.service.list_products(ADMIN)[0].product
    assert (product.assigned_licenses, product.reserved_licenses) == (3, 0)
    [decision] = [n for n in world.store.tenant(TENANT).outbox.values() if n.kind == "decision"]
    assert [u["outcome"] for u in decision.payload["users"]] == ["assigned", "assigned"]  # type: ignore[index]


def test_approval_uses_the_seats_microsoft365_reports_now(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    request_id = world.submit(MEGAN, "m365-enterprisepack", "alex@contoso.com")
    sku = world.directory.skus["sku-enterprisepack"]
    world.directory.skus[sku.sku_id] = replace(sku, consumed=4)  # assigned elsewhere
    with pytest.raises(InsufficientLicenses) as caught:
        world.service.approve(ADMIN, request_id, ApproveCommand())
    assert caught.value.extra == {"available": 1, "needed": 2, "missing": 1}


def test_failures_are_told_truthfully_and_a_retry_assigns_after_the_fix(world: World) -> None:
    world.service.put_request_process(
        ADMIN,
        RequestProcessPut.model_validate(
            {"useOwnProcess": False, "notifyAdmins": ["it@contoso.com"]}
        ),
    )
    nestor = world.directory.add_user("nestor@contoso.com", usage=None)
    world.connect()
    world.block("m365-enterprisepack")
    request_id = world.submit(MEGAN, "m365-enterprisepack", "nestor@contoso.com")
    world.service.approve(ADMIN, request_id, ApproveCommand())
    world.fulfil()
    request = world.request(request_id)
    assert request.fulfilment and request.fulfilment.status == "partial"
    failed = request.users[1]
    assert (failed.outcome, failed.failure and failed.failure.code) == (
        "failed",
        "usage_location_missing",
    )
    kinds = sorted(n.kind for n in world.store.tenant(TENANT).outbox.values())
    assert kinds == ["decision", "failures", "submitted"]
    # The admin fixes the usage location, then retries: only Nestor is assigned and told.
    world.directory.users[nestor] = replace(world.directory.users[nestor], usage_location="KR")
    world.service.retry_fulfilment(ADMIN, request_id)
    world.fulfil()
    request = world.request(request_id)
    assert [u.outcome for u in request.users] == ["assigned", "assigned"]
    assert request.fulfilment and (request.fulfilment.status, request.fulfilment.round) == (
        "done",
        2,
    )
    second = world.store.tenant(TENANT).outbox[f"O|{request_id}|decision|2"]
    assert second.payload["notify"] == ["nestor@contoso.com"]
    with pytest.raises(NothingToRetry):
        world.service.retry_fulfilment(ADMIN, request_id)


def test_throttling_reschedules_after_retry_after_then_succeeds(world: World) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    request_id = world.submit(MEGAN, "m365-enterprisepack", "alex@contoso.com")
    world.service.approve(ADMIN, request_id, ApproveCommand())
    world.directory.throttle = 1
    [message] = world.notifier.take()
    assert world.worker.handle(queue_message(message)) == "rescheduled"
    assert world.notifier.delays == [7]  # the Retry-After Graph gave
    assert [u.outcome for u in world.request(request_id).users] == ["pending", "assigned"]
    assert world.fulfil() == ["done"]
    assert [u.outcome for u in world.request(request_id).users] == ["assigned", "assigned"]


def test_a_redelivered_message_assigns_nobody_twice_and_writes_no_second_notice(
    world: World,
) -> None:
    world.connect()
    world.block("m365-enterprisepack")
    request_id = world.submit(MEGAN, "m365-enterprisepack")
    world.service.approve(ADMIN, request_id, ApproveCommand())
    [message] = world.notifier.take()
    assert world.worker.handle(queue_message(message)) == "done"
    calls, notices = world.directory.assign_calls, dict(world.store.tenant(TENANT).outbox)
    assert world.worker.handle(queue_message(message)) == "dropped"
    assert world.directory.assign_calls == calls
    assert world.store.tenant(TENANT).outbox == notices


def test_group_licensing_adds_members_and_reports_seat_errors(world: World) -> None:
    world.directory.add_sku("VISIOCLIENT", enabled=2, consumed=0)
    world.directory.groups["11111111-2222-3333-4444-555555555555"] = ("sku-visioclient", set())
    world.connect()
    world.block("m365-visioclient", licensingGroupId="11111111-2222-3333-4444-555555555555")
    request_id = world.submit(MEGAN, "m365-visioclient", "alex@contoso.com")
    world.service.approve(ADMIN, request_id, ApproveCommand())
    # Someone takes a seat in the admin center before the group's licence reaches Alex.
    sku = world.directory.skus["sku-visioclient"]
    world.directory.skus[sku.sku_id] = replace(sku, consumed=1)
    world.fulfil()
    users = world.request(request_id).users
    assert [u.outcome for u in users] == ["assigned", "failed"]
    assert users[1].failure and users[1].failure.code == "no_licenses_available"
    assert world.directory.groups["11111111-2222-3333-4444-555555555555"][1] == {
        "id-megan",
        "id-alex",
    }


def test_disconnecting_removes_the_microsoft365_products(world: World) -> None:
    world.connect()
    world.service.microsoft365.disconnect(ADMIN)
    assert world.service.list_products(ADMIN) == []
    with pytest.raises(NotConnected):
        world.service.microsoft365.sync(ADMIN)


def test_the_people_picker_finds_active_colleagues(world: World) -> None:
    world.directory.add_user("alexis@contoso.com", enabled=False)
    with pytest.raises(NotConnected):
        world.service.people.search(MEGAN, "al")
    world.connect()
    assert [u.user_principal_name for u in world.service.people.search(MEGAN, "al")] == [
        "alex@contoso.com"
    ]
    with pytest.raises(InvalidRequest):
        world.service.people.search(MEGAN, '") OR "x')
