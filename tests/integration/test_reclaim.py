"""Time-limited licences on Azurite with a frozen clock (X14): the due index and the
assignment row, the warning and the reclaim each once and on time, an extension that
leaves a stale entry to be dropped, an entry whose approval never committed, maxWait,
and a run whose cost does not grow with idle tenants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.commands import ApproveCommand
from shared.domain.identity import Principal
from shared.domain.models import RequestCreate, RequestProcessPut
from shared.domain.terms import ExtendCommand, due_entries
from tests.integration.test_retention import Scene
from tests.support.azurite import Azurite

DAY = timedelta(days=1)


@pytest.fixture
def scene(azurite: Azurite) -> Scene:
    return Scene(azurite)


def _ask(scene: Scene, user: Principal, n: int) -> str:
    """A request of one person (u{n}) for themselves."""
    who = Principal(user.tenant_id, f"u{n}", f"U{n}", f"u{n}@contoso.com", False)
    body = RequestCreate.model_validate({"productId": "visio"})
    return scene.app.service.submit(who, body).request.id


def _approve(scene: Scene, admin: Principal, request_id: str, **body: Any) -> None:
    scene.app.service.approve(admin, request_id, ApproveCommand.model_validate(body))


def _outbox(scene: Scene, tenant: str, kind: str) -> list[str]:
    return [k for k in scene.rows(tenant) if k.startswith("O|term-") and f"|{kind}|" in k]


def _seats(scene: Scene, admin: Principal) -> int:
    return scene.app.service.list_products(admin)[0].product.assigned_licenses


def test_a_term_is_warned_once_then_reclaimed_once_on_time(scene: Scene) -> None:
    admin, user = scene.tenant()
    request_id = _ask(scene, user, 1)
    _approve(scene, admin, request_id, licenseDuration="P30D")
    tenant, reclaimer = admin.tenant_id, scene.app.service.reclaimer
    [holder] = scene.app.service.terms.holders(admin, "visio")
    assert holder.expires_at == scene.clock.now() + 30 * DAY
    assert _seats(scene, admin) == 1

    assert reclaimer.run().warned == 0  # nothing due yet
    scene.clock.advance(23 * DAY)  # seven days before the end
    assert reclaimer.run().warned == 1
    assert reclaimer.run().warned == 0  # once
    assert len(_outbox(scene, tenant, "expiring")) == 1
    scene.clock.advance(7 * DAY - timedelta(seconds=1))
    assert reclaimer.run().reclaimed == 0  # not a second early
    scene.clock.advance(timedelta(seconds=1))
    assert reclaimer.run().reclaimed == 1
    assert scene.app.service.terms.holders(admin, "visio") == []
    assert _seats(scene, admin) == 0
    assert len(_outbox(scene, tenant, "reclaimed")) == 1
    assert reclaimer.run().reclaimed == 0


def test_an_extension_moves_the_reclaim_and_the_old_entry_is_dropped(scene: Scene) -> None:
    admin, user = scene.tenant()
    _approve(scene, admin, _ask(scene, user, 1), licenseDuration="P10D")
    terms, reclaimer = scene.app.service.terms, scene.app.service.reclaimer
    scene.clock.advance(5 * DAY)
    extended = terms.extend(
        admin, "visio", "U1@contoso.com", ExtendCommand.model_validate({"duration": "P20D"})
    )
    assert extended.expires_at == scene.clock.now() + 25 * DAY  # added to the current end
    scene.clock.advance(6 * DAY)  # past the first end
    run = reclaimer.run()
    assert (run.reclaimed, run.dropped) == (0, 2)  # the first term's warning and reclaim
    assert [h.email for h in terms.holders(admin, "visio")] == ["u1@contoso.com"]
    scene.clock.advance(20 * DAY)
    assert reclaimer.run().reclaimed == 1
    assert terms.holders(admin, "visio") == []


def test_an_entry_whose_approval_never_committed_is_dropped(scene: Scene) -> None:
    admin, _ = scene.tenant()
    now = scene.clock.now()
    store = scene.app.store.requests
    # The index is written before the transaction: a crash (or a lost race) in between
    # leaves entries with no assignment behind them.
    store.schedule_due(
        due_entries(admin.tenant_id, "visio", ["ghost@contoso.com"], now + DAY, 7 * DAY, now)
    )
    scene.clock.advance(2 * DAY)
    run = scene.app.service.reclaimer.run()
    assert (run.warned, run.reclaimed, run.dropped) == (0, 0, 2)
    assert scene.app.service.reclaimer.run().dropped == 0  # gone from the index


def test_people_waiting_longer_than_max_wait_leave_the_waitlist(scene: Scene) -> None:
    admin, user = scene.tenant()
    scene.app.service.put_request_process(
        admin, RequestProcessPut.model_validate({"useOwnProcess": False, "maxWait": "P10D"})
    )
    scene.app.service.put_product(admin, "visio", _product(total=0))
    first = _ask(scene, user, 1)
    _approve(scene, admin, first, whenShort="wait")
    scene.clock.advance(5 * DAY)
    second = _ask(scene, user, 2)
    _approve(scene, admin, second, whenShort="wait")
    reclaimer = scene.app.service.reclaimer
    scene.clock.advance(5 * DAY)
    assert reclaimer.run().expired_waiting == 1  # the first, ten days on
    queue = scene.app.service.waitlist.queue(admin, "visio")
    assert [e.request_id for e in queue] == [second]
    taken = scene.app.service.get_request(admin, first)
    assert taken.users[0].outcome == "notAssigned"
    assert reclaimer.run().expired_waiting == 0
    scene.clock.advance(6 * DAY)
    assert reclaimer.run().expired_waiting == 1
    assert scene.app.service.waitlist.queue(admin, "visio") == []
    reclaimer.run()  # an empty list is forgotten: not visited again
    assert scene.app.store.requests.waitlists(10) == []


def test_a_run_reads_three_ranges_however_many_tenants_are_idle(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(30):
        scene.tenant()  # idle tenants: products, no terms, nobody waiting
    tenants_table = scene.app.store.tenants.table
    queries: list[str] = []
    original = tenants_table.query_entities

    def counted(*args: Any, **kwargs: Any) -> Any:
        queries.append(str(args[0] if args else kwargs.get("query_filter")))
        return original(*args, **kwargs)

    monkeypatch.setattr(tenants_table, "query_entities", counted)
    monkeypatch.setattr(scene.app.store.table, "query_entities", counted)
    scene.app.service.reclaimer.run()
    assert len(queries) == 3, queries
    assert all("RowKey ge @low and RowKey lt @high" in q or "RowKey gt @low" in q for q in queries)


def _product(total: int) -> Any:
    from shared.domain.models import ProductPut

    return ProductPut.model_validate(
        {"name": "Visio", "selfServicePurchase": "blocked", "totalLicenses": total}
    )
