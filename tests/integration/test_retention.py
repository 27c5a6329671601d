"""R4: the sweep removes exactly the expired requests and what belongs to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from azure.data.tables import TableClient

from shared import bootstrap
from shared.adapters.queue_notifier import QueueNotifier
from shared.config import SettingsError, load_settings
from shared.domain.commands import ApproveCommand
from shared.domain.identity import Principal
from shared.domain.models import ProductPut, RequestCreate, RequestProcessPut
from tests.integration.conftest import settings_for
from tests.integration.test_round_trips import Counter
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock


class NoQueue:
    def send_message(self, _content: str) -> None:
        pass  # outbox rows stay, so the sweep must remove them too


class Scene:
    """Several tenants with requests of different ages on one table."""

    def __init__(self, azurite: Azurite) -> None:
        self.clock = FrozenClock()
        table = f"t{unique_tenant()}"
        self.settings = settings_for(azurite, TABLE_NAME=table, TENANTS_TABLE_NAME=table + "x")
        self.app = bootstrap.build(
            self.settings, clock=self.clock, notifier=QueueNotifier(NoQueue())
        )
        self.table: TableClient = self.app.store.table

    def tenant(self, notify: bool = False) -> tuple[Principal, Principal]:
        tid = unique_tenant()
        admin = Principal(tid, "a1", "Ada", "ada@contoso.com", True)
        self.app.service.put_product(
            admin,
            "visio",
            ProductPut.model_validate(
                {
                    "name": "Visio",
                    "selfServicePurchase": "blocked",
                    "totalLicenses": 50,
                    "servicePlans": [],
                }
            ),
        )
        if notify:
            self.app.service.put_request_process(
                admin,
                RequestProcessPut.model_validate(
                    {"useOwnProcess": False, "notifyAdmins": ["it@contoso.com"]}
                ),
            )
        return admin, Principal(tid, "u1", "Megan", "megan@contoso.com", False)

    def submit(self, user: Principal, n: int) -> str:
        who = Principal(user.tenant_id, f"u{n}", f"U{n}", f"u{n}@contoso.com", False)
        body = RequestCreate.model_validate(
            {"productId": "visio", "users": [{"email": "alex@contoso.com"}]}
        )
        return self.app.service.submit(who, body).request.id

    def rows(self, tenant: str) -> list[str]:
        return sorted(
            str(e["RowKey"])
            for e in self.table.query_entities("PartitionKey eq @pk", parameters={"pk": tenant})
        )


def _kinds(keys: list[str], request_id: str) -> list[str]:
    return [k for k in keys if request_id in k]


@pytest.fixture
def scene(azurite: Azurite) -> Scene:
    return Scene(azurite)


def test_the_sweep_deletes_exactly_the_expired_rows_across_tenants(scene: Scene) -> None:
    admin_a, user_a = scene.tenant(notify=True)
    admin_b, user_b = scene.tenant()
    old_a_pending = scene.submit(user_a, 1)
    old_a_approved = scene.submit(user_a, 2)
    scene.app.service.approve(admin_a, old_a_approved, ApproveCommand())
    old_b = scene.submit(user_b, 1)
    scene.clock.advance(timedelta(days=10))
    new_a = scene.submit(user_a, 3)
    new_b = scene.submit(user_b, 2)
    before_a = scene.rows(admin_a.tenant_id)
    assert len(_kinds(before_a, old_a_pending)) == 5  # R, L, M, N (alex), O(submitted)
    assert "D|visio|u1" in before_a  # the "pending for this user and product" marker
    assert len(_kinds(before_a, old_a_approved)) == 5  # R, M, N, O(submitted), O(decision)

    scene.clock.advance(timedelta(days=20))  # the old ones are now exactly 30 days old
    removed = scene.app.retention().run()

    assert removed == {admin_a.tenant_id: 2, admin_b.tenant_id: 1}
    after_a, after_b = scene.rows(admin_a.tenant_id), scene.rows(admin_b.tenant_id)
    for gone in (old_a_pending, old_a_approved):
        assert _kinds(after_a, gone) == []
    assert _kinds(after_b, old_b) == []
    assert "D|visio|u1" not in after_a and "D|visio|u3" in after_a
    assert len(_kinds(after_a, new_a)) == 5 and len(_kinds(after_b, new_b)) == 4
    # licences granted by an expired approval stay granted
    assert [k for k in after_a if k.startswith("A|")] == [
        "A|visio|alex@contoso.com",
        "A|visio|u2@contoso.com",
    ]
    assert "P|visio" in after_a and "S|process" in after_a
    assert scene.app.retention().run() == {}


def test_requests_one_second_short_of_the_period_stay(scene: Scene) -> None:
    admin, user = scene.tenant()
    kept = scene.submit(user, 1)
    scene.clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert scene.app.retention().run() == {}
    assert scene.app.service.get_request(admin, kept).id == kept


def test_an_interrupted_sweep_is_finished_by_the_next_one(scene: Scene) -> None:
    admin, user = scene.tenant()
    made = [scene.submit(user, n) for n in range(7)]
    for request_id in made[:3]:
        scene.app.service.approve(admin, request_id, ApproveCommand())
    scene.clock.advance(timedelta(days=31))
    cutoff = scene.clock.now() - timedelta(days=30)
    store = scene.app.store.purge

    # The first run dies after one page of two requests ...
    assert store.purge_expired(admin.tenant_id, cutoff, page_size=2, max_pages=1) == 2
    # ... and some rows of the next request vanished on their own (a racing run).
    third = sorted(made, reverse=True)[2]
    scene.table.delete_entity(admin.tenant_id, f"M|u{made.index(third)}|{third}")

    assert scene.app.retention().run() == {admin.tenant_id: 5}
    assert [k for k in scene.rows(admin.tenant_id) if not k.startswith(("A|", "P|", "S|"))] == []
    assert scene.app.retention().run() == {}


def test_bad_retention_settings_fail_at_start_with_a_clear_message() -> None:
    for env, needle in (
        ({"RETENTION_PERIOD": "30 days"}, "RETENTION_PERIOD"),
        ({"RETENTION_PERIOD": "P1M"}, "RETENTION_PERIOD"),
        ({"RETENTION_PERIOD": "PT0S"}, "positive"),
        ({"RETENTION_SCHEDULE": "0 2 * * *"}, "six-field"),
        ({"RETENTION_SCHEDULE": "0 0 2 * * ;rm"}, "RETENTION_SCHEDULE"),
    ):
        with pytest.raises(SettingsError, match=needle):
            load_settings(env)


def test_a_short_period_is_honoured(azurite: Azurite) -> None:
    settings: Any = settings_for(azurite, RETENTION_PERIOD="PT20S")
    assert settings.retention_period == timedelta(seconds=20)


def test_a_marker_taken_over_by_a_newer_request_is_left_alone(scene: Scene) -> None:
    admin, user = scene.tenant()
    old = scene.submit(user, 1)
    scene.clock.advance(timedelta(days=30))
    newer = scene.submit(user, 1)  # the old one expired, so this is a new pending request
    assert newer != old
    assert scene.app.retention().run() == {admin.tenant_id: 1}
    marker = scene.table.get_entity(admin.tenant_id, "D|visio|u1")
    assert marker["RequestId"] == newer
    again = scene.app.service.submit(
        Principal(admin.tenant_id, "u1", "U1", "u1@contoso.com", False),
        RequestCreate.model_validate({"productId": "visio"}),
    )
    assert (again.created, again.request.id) == (False, newer)


def test_idle_tenants_cost_the_sweep_nothing(scene: Scene, azurite: Azurite) -> None:
    scene.app.retention().run()  # the expiry index begins now
    admin, user = scene.tenant()
    scene.submit(user, 1)
    scene.clock.advance(timedelta(days=31))

    def sweep_calls() -> tuple[dict[str, int], int]:
        counter = Counter()
        store = bootstrap.build_store(scene.settings, raw_request_hook=counter.hook)
        app = bootstrap.build(scene.settings, clock=scene.clock, store=store)
        counter.take()
        removed = app.retention().run()
        return removed, len(counter.take())

    for _ in range(5):
        scene.tenant()  # tenants with a catalogue and no request
    removed, calls = sweep_calls()
    assert removed == {admin.tenant_id: 1}
    # Only the tenant that had requests on expired days is visited: the index range, its
    # start, the purge of that tenant and the index clean-up; not one call per tenant.
    admin2, user2 = scene.tenant()
    scene.submit(user2, 1)
    for _ in range(20):
        scene.tenant()
    scene.clock.advance(timedelta(days=31))
    removed_again, calls_again = sweep_calls()
    assert removed_again == {admin2.tenant_id: 1}
    assert calls_again == calls
