"""Reminders and escalation (issue 16): the delay rules, the settings an admin may store, and
the timer's daily digest on an in-memory store with a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shared.app import reminders as reminders_module
from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.digest_emails import delay_words
from shared.app.email_rendering import EmailRenderer
from shared.app.email_wording import Wording
from shared.app.ports import StoreConflict
from shared.app.reminders import NotificationPreferences, ReminderDigests
from shared.app.service import LicenseService
from shared.domain.commands import DenyCommand
from shared.domain.errors import Forbidden, InvalidRequest
from shared.domain.identity import Principal
from shared.domain.models import Person, ProductPut, RequestCreate, RequestProcessPut
from shared.domain.notices import digest_id, digest_notice
from shared.domain.reminders import (
    NotificationSettingsPut,
    ReminderSettings,
    parse_delay,
    updated_reminders,
)
from tests.support.clock import FrozenClock
from tests.unit.fakes import FakeReminderStore, FakeRequestStore, RecordingNotifier

TENANT = "contoso"
ADMIN = Principal(TENANT, "a1", "Ada Admin", "ada@contoso.com", True)
MEGAN = Principal(TENANT, "u1", "Megan Bowen", "megan@contoso.com", False)
RETENTION = timedelta(days=30)
NOW = datetime(2026, 11, 10, 9, tzinfo=UTC)
ADA = Person(id="a1", name="Ada", email="ada@contoso.com")


def put(**fields: object) -> NotificationSettingsPut:
    return NotificationSettingsPut.model_validate(fields)


# ---- the delays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("P2D", timedelta(days=2)),
        ("PT36H", timedelta(hours=36)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT1440M", timedelta(days=1)),
        ("P365D", timedelta(days=365)),
    ],
)
def test_a_delay_is_days_hours_and_minutes(text: str, length: timedelta) -> None:
    assert parse_delay(text) == length
    assert put(remindAfter=text).remind_after == text


@pytest.mark.parametrize(
    "text",
    ["P", "PT", "P1DT", "P1M", "P1Y", "P1W", "PT1S", "P-1D", "2D", "p2d", "P1.5D", "P366D", "PT1H"],
)
def test_anything_else_is_refused(text: str) -> None:
    # Months and years have no fixed length, seconds are no reminder delay, and a reminder
    # sooner than a day would come before the day's digest could tell anything new.
    with pytest.raises(ValidationError):
        put(remindAfter=text)
    with pytest.raises(ValidationError):
        put(escalateAfter=text)


def test_escalation_comes_after_the_reminder() -> None:
    current = ReminderSettings()
    with pytest.raises(InvalidRequest) as refused:
        updated_reminders(current, put(remindAfter="P7D"), ADA, NOW, RETENTION)
    assert refused.value.extra["errors"][0]["field"] == "escalateAfter"
    with pytest.raises(InvalidRequest):
        updated_reminders(current, put(escalateAfter="P1D"), ADA, NOW, RETENTION)
    changed = updated_reminders(
        current, put(remindAfter="P3D", escalateAfter="PT100H"), ADA, NOW, RETENTION
    )
    assert (changed.remind_after, changed.escalate_after) == ("P3D", "PT100H")
    assert (changed.updated_at, changed.updated_by) == (NOW, ADA)


def test_a_delay_is_shorter_than_the_time_requests_are_kept() -> None:
    with pytest.raises(InvalidRequest) as refused:
        updated_reminders(ReminderSettings(), put(escalateAfter="P30D"), ADA, NOW, RETENTION)
    assert "kept" in refused.value.detail
    kept = updated_reminders(ReminderSettings(), put(escalateAfter="P29D"), ADA, NOW, RETENTION)
    assert kept.escalate_after == "P29D"


def test_at_most_twenty_distinct_recipients() -> None:
    many = [f"boss{i}@contoso.com" for i in range(21)]
    with pytest.raises(ValidationError):
        put(escalateTo=many)
    with pytest.raises(ValidationError):
        put(notifyAdmins=many)
    with pytest.raises(ValidationError, match="must not repeat"):
        put(escalateTo=["cio@contoso.com", "CIO@contoso.com"])
    with pytest.raises(ValidationError):
        put(escalateTo=["not an address"])
    assert put(escalateTo=many[:20]).escalate_to == many[:20]


def test_omitted_members_are_kept_and_the_last_digest_day_too() -> None:
    current = ReminderSettings(escalate_to=["cio@contoso.com"], last_digest="2026-11-09")
    changed = updated_reminders(current, put(remindAfter="P3D"), ADA, NOW, RETENTION)
    assert changed.escalate_to == ["cio@contoso.com"]
    assert changed.escalate_after == "P7D"
    assert changed.last_digest == "2026-11-09"
    assert "lastDigest" not in changed.to_wire()


def test_delays_read_as_people_say_them() -> None:
    assert delay_words(Wording("en"), "P1DT12H") == "1 day 12 hours"
    assert delay_words(Wording("en"), "P2D") == "2 days"
    assert delay_words(Wording("ko"), "PT36H") == "36시간"


# ---- the use cases -------------------------------------------------------------------------


@dataclass
class World:
    service: LicenseService
    settings: NotificationPreferences
    digests: ReminderDigests
    store: FakeRequestStore
    reminders: FakeReminderStore
    notifier: RecordingNotifier
    clock: FrozenClock

    def submit(self, who: Principal = MEGAN) -> str:
        body = RequestCreate.model_validate({"productId": "visio"})
        return self.service.submit(who, body).request.id

    def days_later(self, days: float) -> None:
        self.clock.advance(timedelta(days=days))

    def digests_queued(self) -> list[dict[str, Any]]:
        return [dict(m.payload or {}) for m in self.notifier.take() if "|digest" in m.key]


@pytest.fixture
def world() -> World:
    store, notifier, clock = FakeRequestStore(), RecordingNotifier(), FrozenClock(NOW)
    ctx = UseCaseContext(
        store=store, clock=clock, retention=RETENTION, notifier=notifier, sleep=lambda _: None
    )
    reminders = FakeReminderStore(store)
    service = LicenseService(ctx, CursorCodec("c" * 40))
    body = {"name": "Visio", "selfServicePurchase": "blocked", "totalLicenses": 9}
    service.put_product(ADMIN, "visio", ProductPut.model_validate(body))
    return World(
        service,
        NotificationPreferences(ctx, reminders),
        ReminderDigests(ctx, reminders),
        store,
        reminders,
        notifier,
        clock,
    )


def _users(n: int) -> list[Principal]:
    return [Principal(TENANT, f"u{i}", f"U{i}", f"u{i}@contoso.com", False) for i in range(n)]


def test_only_admins_read_or_change_the_notification_settings(world: World) -> None:
    with pytest.raises(Forbidden):
        world.settings.get(MEGAN)
    with pytest.raises(Forbidden):
        world.settings.put(MEGAN, put(remindAfter="P3D"))
    assert world.reminders.rows == {}
    shown = world.settings.get(ADMIN).to_wire()
    assert shown == {
        "notifyAdmins": [],
        "remindAfter": "P2D",
        "escalateAfter": "P7D",
        "escalateTo": [],
        "updatedAt": None,
        "updatedBy": None,
    }


def test_notify_admins_is_the_request_process_list(world: World) -> None:
    world.service.put_request_process(
        ADMIN,
        RequestProcessPut.model_validate(
            {"useOwnProcess": False, "notifyAdmins": ["it@contoso.com"]}
        ),
    )
    assert world.settings.get(ADMIN).notify_admins == ["it@contoso.com"]
    world.settings.put(ADMIN, put(notifyAdmins=["desk@contoso.com"], escalateTo=["cio@x.com"]))
    process = world.service.get_request_process(ADMIN)
    assert process.notify_admins == ["desk@contoso.com"]
    assert world.settings.get(ADMIN).escalate_to == ["cio@x.com"]


def test_a_refused_change_changes_nothing(world: World) -> None:
    world.settings.put(ADMIN, put(escalateTo=["cio@contoso.com"]))
    before = world.settings.get(ADMIN)
    with pytest.raises(InvalidRequest):
        world.settings.put(ADMIN, put(remindAfter="P8D", notifyAdmins=["x@contoso.com"]))
    assert world.settings.get(ADMIN) == before


def test_the_digest_goes_out_once_a_day_however_often_the_timer_runs(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com", "desk@contoso.com"]))
    old = world.submit()
    world.days_later(1)
    assert world.digests.run() == {}  # a day old: not due yet (remindAfter P2D)
    world.days_later(1.5)
    assert world.digests.run() == {TENANT: 2}
    [digest] = world.digests_queued()
    assert digest["admins"] == ["it@contoso.com", "desk@contoso.com"]
    assert [r["id"] for r in digest["requests"]] == [old]
    # Delivered: the email worker deleted its outbox row. The day's mark alone stops a
    # second digest.
    del world.store.tenant(TENANT).outbox["O|reminders-20261112|digest"]
    runs = 0
    while (world.clock.now() + timedelta(minutes=10)).date() == world.clock.now().date():
        world.clock.advance(timedelta(minutes=10))  # every ten minutes, the rest of the day
        assert world.digests.run() == {}
        runs += 1
    assert runs > 10
    assert world.digests_queued() == []
    world.clock.current = datetime(2026, 11, 13, 0, 5, tzinfo=UTC)  # the next day
    assert world.digests.run() == {TENANT: 2}
    [next_day] = world.digests_queued()
    assert next_day["day"] == "2026-11-13"
    outbox = world.store.tenant(TENANT).outbox
    assert {k for k in outbox if k.endswith("|digest")} == {"O|reminders-20261113|digest"}


def test_decided_requests_and_fresh_ones_are_left_out(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    megan, lee = _users(2)
    waiting = world.submit(megan)
    denied = world.submit(lee)
    world.service.deny(ADMIN, denied, DenyCommand())
    world.days_later(3)
    fresh = world.submit(Principal(TENANT, "u9", "U9", "u9@contoso.com", False))
    assert world.digests.run() == {TENANT: 1}
    [digest] = world.digests_queued()
    assert [r["id"] for r in digest["requests"]] == [waiting]
    assert fresh != waiting


def test_escalation_reaches_escalate_to_only_for_old_requests(world: World) -> None:
    world.settings.put(
        ADMIN,
        put(notifyAdmins=["it@contoso.com"], escalateTo=["cio@contoso.com"], escalateAfter="P5D"),
    )
    first, second = _users(2)
    oldest = world.submit(first)
    world.days_later(3)
    newer = world.submit(second)
    world.days_later(2.5)  # oldest: 5.5 days (escalated), newer: 2.5 days (a reminder)
    assert world.digests.run() == {TENANT: 2}
    [digest] = world.digests_queued()
    assert digest["escalated"] == 1
    listed = {r["id"]: r["escalated"] for r in digest["requests"]}
    assert listed == {oldest: True, newer: False}
    emails = EmailRenderer("en").render(TENANT, "O|reminders-x|digest", digest)
    by_address = {e.to: e for e in emails}
    assert set(by_address) == {"it@contoso.com", "cio@contoso.com"}
    assert oldest in by_address["cio@contoso.com"].text
    assert newer not in by_address["cio@contoso.com"].text
    assert newer in by_address["it@contoso.com"].text and "escalated" in (
        by_address["it@contoso.com"].text
    )
    assert f"/api/console/#/requests/{oldest}" in by_address["cio@contoso.com"].html


def test_the_escalated_requests_are_read_even_behind_a_page_of_newer_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders_module, "MAX_WAITING", 2)  # a page of two
    world.settings.put(
        ADMIN,
        put(notifyAdmins=["it@contoso.com"], escalateTo=["cio@contoso.com"], escalateAfter="P5D"),
    )
    people = _users(4)
    oldest = world.submit(people[0])
    world.days_later(3)
    for who in people[1:]:
        world.submit(who)
    world.days_later(2.5)  # oldest: escalated; three newer ones: reminders
    assert world.digests.run() == {TENANT: 2}
    [digest] = world.digests_queued()
    assert digest["escalated"] == 1
    assert oldest in {r["id"] for r in digest["requests"] if r["escalated"]}


def test_no_escalation_email_before_escalate_after(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"], escalateTo=["cio@contoso.com"]))
    world.submit()
    world.days_later(3)
    assert world.digests.run() == {TENANT: 1}
    [digest] = world.digests_queued()
    emails = EmailRenderer("en").render(TENANT, "O|reminders-x|digest", digest)
    assert [e.to for e in emails] == ["it@contoso.com"]
    assert "cio@contoso.com" not in emails[0].text  # no escalation note either


def test_escalation_alone_when_nobody_is_listed_for_reminders(world: World) -> None:
    world.settings.put(ADMIN, put(escalateTo=["cio@contoso.com"]))
    world.submit()
    world.days_later(3)
    assert world.digests.run() == {}  # waiting, but not for a week: nobody to tell
    world.days_later(5)
    assert world.digests.run() == {TENANT: 1}
    [digest] = world.digests_queued()
    emails = EmailRenderer("en").render(TENANT, "O|reminders-x|digest", digest)
    assert [e.to for e in emails] == ["cio@contoso.com"]
    assert emails[0].subject.startswith("Escalated: 1 license request")


def test_an_admin_in_both_lists_gets_one_email(world: World) -> None:
    world.settings.put(
        ADMIN, put(notifyAdmins=["it@contoso.com"], escalateTo=["IT@contoso.com", "cio@x.com"])
    )
    world.submit()
    world.days_later(8)
    world.digests.run()
    [digest] = world.digests_queued()
    emails = EmailRenderer("en").render(TENANT, "O|reminders-x|digest", digest)
    assert sorted(e.to for e in emails) == ["cio@x.com", "it@contoso.com"]
    assert len({e.key for e in emails}) == 2


def test_nobody_to_tell_means_nothing_is_read_or_written(world: World) -> None:
    world.submit()
    world.days_later(8)
    assert world.digests.run() == {}
    assert world.digests_queued() == []
    assert world.reminders.rows == {}
    assert not any(k.endswith("|digest") for k in world.store.tenant(TENANT).outbox)


def test_nothing_waiting_means_no_digest(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    world.service.deny(ADMIN, world.submit(), DenyCommand())
    world.days_later(3)
    assert world.digests.run() == {}
    assert world.digests_queued() == []


def test_the_timer_visits_only_tenants_with_requests_on_the_days_that_count(
    world: World,
) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    quiet = Principal("quiet", "a9", "Q", "q@quiet.com", True)
    NotificationPreferences(world.settings._ctx, world.reminders).put(
        quiet, put(notifyAdmins=["q@quiet.com"])
    )
    world.submit()
    world.days_later(31)  # the request has expired: its day is outside the index range
    world.reminders.visited.clear()
    assert world.digests.run() == {}
    assert world.reminders.visited == []


def test_a_lost_race_sends_nothing_twice(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    world.submit()
    world.days_later(3)
    state = world.reminders.notification_state(TENANT)
    assert world.digests.run() == {TENANT: 1}
    # A second run that read the settings before the first committed loses the race.
    notice = digest_notice(
        world.clock.now().date(),
        [],
        world.clock.now(),
        escalated_up_to=world.clock.now(),
        admins=["it@contoso.com"],
        escalate_to=[],
        remind_after="P2D",
        escalate_after="P7D",
    )
    with pytest.raises(StoreConflict):
        world.reminders.commit_digest(TENANT, state, ReminderSettings(), notice)


def test_the_safety_message_goes_out_before_the_commit(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    world.submit()
    world.days_later(3)
    world.notifier.messages.clear()
    world.digests.run()
    # Should the process die right after the commit, this message queues the digest.
    [safety] = world.notifier.safety()
    assert safety.key == f"O|{digest_id(world.clock.now().date())}|"
    assert world.notifier.delays[0] > 0


def test_a_queue_outage_leaves_the_digest_to_the_relay(world: World) -> None:
    world.settings.put(ADMIN, put(notifyAdmins=["it@contoso.com"]))
    world.submit()
    world.days_later(3)
    world.notifier.messages.clear()
    world.notifier.down = True  # the queue is unreachable: nothing queued, the row stays
    assert world.digests.run() == {TENANT: 1}
    world.notifier.down = False
    key = f"O|{digest_id(world.clock.now().date())}|digest"
    assert key in world.store.tenant(TENANT).outbox
    assert (TENANT, key) in world.store.unqueued  # the relay timer queues it
