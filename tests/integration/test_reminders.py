"""Reminders and escalation on Azurite (issue 16): the digest's rows and their races, the
timer's cost that follows the tenants with requests on the days that count (never the
idle ones), and a digest that survives a crash between its commit and its enqueue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared import bootstrap
from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.adapters.queue_notifier import QueueNotifier
from shared.adapters.tables.reminders import TableReminderStore
from shared.app.ports import StoreConflict
from shared.domain.identity import Principal
from shared.domain.notices import digest_notice
from shared.domain.reminders import NotificationSettingsPut, ReminderSettings
from tests.integration.test_email_delivery import World, _read_eml
from tests.integration.test_outbox_recovery import DyingQueue, Killed
from tests.integration.test_retention import Scene
from tests.integration.test_round_trips import Counter
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite


def settings(admin: Principal, scene_app: bootstrap.Container, **fields: object) -> None:
    scene_app.notification_settings().put(admin, NotificationSettingsPut.model_validate(fields))


@pytest.fixture
def scene(azurite: Azurite) -> Scene:
    return Scene(azurite)


def test_the_settings_round_trip_and_keep_notify_admins_in_the_process_row(scene: Scene) -> None:
    admin, _ = scene.tenant(notify=True)
    before = scene.app.service.get_request_process(admin)
    settings(admin, scene.app, remindAfter="PT36H", escalateTo=["cio@contoso.com"])
    shown = scene.app.notification_settings().get(admin)
    assert (shown.notify_admins, shown.remind_after, shown.escalate_after) == (
        ["it@contoso.com"],
        "PT36H",
        "P7D",
    )
    assert shown.escalate_to == ["cio@contoso.com"] and shown.updated_by is not None
    # The process row was not rewritten: notifyAdmins did not change.
    assert scene.app.service.get_request_process(admin).updated_at == before.updated_at
    settings(admin, scene.app, notifyAdmins=["desk@contoso.com"])
    assert scene.app.service.get_request_process(admin).notify_admins == ["desk@contoso.com"]
    assert "S|reminders" in scene.rows(admin.tenant_id)


def test_pending_between_reads_exactly_the_waiting_range(scene: Scene) -> None:
    admin, user = scene.tenant()
    store = TableReminderStore.beside(scene.app.store.requests)
    start = scene.clock.now()
    first = scene.submit(user, 1)
    scene.clock.advance(timedelta(hours=1))
    second = scene.submit(user, 2)
    scene.clock.advance(timedelta(hours=1))
    scene.submit(user, 3)
    created_second = start + timedelta(hours=1)
    found = store.pending_between(admin.tenant_id, start - timedelta(seconds=1), created_second, 10)
    assert [s.id for s in found] == [second, first]  # newest first, the bound included
    assert [s.id for s in store.pending_between(admin.tenant_id, start, created_second, 10)] == [
        second
    ]  # created at `after`: out (as an expired one would be)


def test_a_second_digest_the_same_day_loses_the_race(scene: Scene) -> None:
    admin, user = scene.tenant(notify=True)
    scene.submit(user, 1)
    scene.clock.advance(timedelta(days=3))
    store = TableReminderStore.beside(scene.app.store.requests)
    read = store.notification_state(admin.tenant_id)  # before the first run commits
    assert scene.app.reminders().run() == {admin.tenant_id: 1}
    now = scene.clock.now()
    notice = digest_notice(
        now.date(),
        [],
        now,
        escalated_up_to=now,
        admins=["it@contoso.com"],
        escalate_to=[],
        remind_after="P2D",
        escalate_after="P7D",
    )
    with pytest.raises(StoreConflict):
        store.commit_digest(admin.tenant_id, read, ReminderSettings(), notice)
    assert scene.app.reminders().run() == {}


def test_idle_tenants_cost_the_reminder_timer_nothing(scene: Scene) -> None:
    def timer_calls() -> tuple[dict[str, int], list[str]]:
        counter = Counter()
        store = bootstrap.build_store(scene.settings, raw_request_hook=counter.hook)
        app = bootstrap.build(scene.settings, clock=scene.clock, store=store)
        counter.take()
        digests = app.reminders().run()
        return digests, counter.take()

    admin, user = scene.tenant(notify=True)
    scene.submit(user, 1)
    scene.clock.advance(timedelta(days=3))
    digests, calls = timer_calls()
    assert digests == {admin.tenant_id: 1}
    # Table calls: the index range; the tenant's two settings rows (side by side); its
    # two waiting ranges, escalated and not (side by side); the digest's transaction (the
    # queue's puts are not table calls).
    assert len(calls) == 6, calls
    # Told today: the index range and the settings rows, nothing more.
    assert len(timer_calls()[1]) == 3
    # Twenty tenants with settings and a catalogue but no request, and ten whose requests
    # were all created before the retention period: not one call more.
    for _ in range(20):
        scene.tenant(notify=True)
    for n in range(10):
        _, old_user = scene.tenant(notify=True)
        scene.submit(old_user, n)
    scene.clock.advance(timedelta(days=31))
    digests_later, calls_later = timer_calls()
    assert digests_later == {}
    assert len(calls_later) == 1  # the index range alone: nobody has requests that count


def test_a_process_killed_right_after_the_digest_commit_still_delivers(
    azurite: Azurite, tmp_path: Path
) -> None:
    table = f"t{unique_tenant()}"  # its own tables: the timer visits every indexed tenant
    world = World(
        azurite,
        OutboxDirSender(tmp_path / "outbox"),
        TABLE_NAME=table,
        TENANTS_TABLE_NAME=table + "x",
    )
    settings(world.admin, world.app, notifyAdmins=["it@contoso.com"])
    world.submit([])
    world.clock.advance(timedelta(days=3))
    world.deliver_all()  # the new-request email
    for path in (tmp_path / "outbox").glob("*.eml"):
        path.unlink()
    queue = DyingQueue(world.queue)
    world.app = bootstrap.build(
        world.app.settings,
        clock=world.clock,
        store=world.app.store,
        notifier=QueueNotifier(queue),
        sender=world.app.sender,
    )
    with pytest.raises(Killed):
        world.app.reminders().run()
    [safety] = queue.delayed
    world.clock.advance(timedelta(minutes=2))
    world.worker.handle(safety, "safety")
    assert world.deliver_all() == 1
    [mail] = _read_eml(tmp_path / "outbox")
    assert mail["To"].addresses[0].addr_spec == "it@contoso.com"
    assert str(mail["Subject"]) == "Reminder: 1 license request waiting for a decision"
    # Restarted, the timer sends nothing more today.
    assert world.app.reminders().run() == {}
