"""X6 under the worker's fast path: a fresh message claims its row with one conditional write,
copies of a message never both send, and progress survives rounds, failures and crashes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.email.acs import AcsEmailSender
from shared.app.notifications import (
    LANGUAGE_TTL,
    LEASE,
    ROUND,
    SEND_BUDGET,
    LeaseRunningOut,
    parse_message,
    queue_message,
)
from shared.app.ports import OutboxMessage, OutgoingEmail
from shared.domain.commands import ApproveCommand
from tests.integration.test_email_delivery import World
from tests.integration.test_round_trips import Counter as WireCounter
from tests.support.azurite import Azurite
from tools.acs_stub import AcsStub

SENDER = "DoNotReply@contoso.com"


class Crash(BaseException):
    """The process dying mid-delivery (not an error the worker could handle)."""


class Recording:
    """Counts sends per recipient and can misbehave on a chosen call."""

    def __init__(self, *, crash_on: int | None = None, on_call: Any = None) -> None:
        self.calls: Counter[str] = Counter()
        self._count = 0
        self._lock = threading.Lock()
        self._crash_on = crash_on
        self._on_call = on_call

    def send(self, email: OutgoingEmail) -> None:
        with self._lock:
            self._count += 1
            count = self._count
        if count == self._crash_on:
            raise Crash
        if self._on_call is not None:
            self._on_call(count)
        with self._lock:
            self.calls[email.to] += 1


@pytest.fixture
def acs() -> Iterator[AcsStub]:
    with AcsStub() as stub:
        yield stub


def _colleagues(n: int) -> list[str]:
    return [f"user{i}@contoso.com" for i in range(n)]


def _approved(world: World, others: list[str]) -> Any:
    request_id = world.submit(others)
    world.app.service.approve(world.admin, request_id, ApproveCommand())
    [message] = world.messages()
    return message


def test_a_decision_queues_its_row_etag_and_payload(azurite: Azurite) -> None:
    world = World(azurite, Recording())
    message = parse_message(_approved(world, ["alex@contoso.com"]).content)
    assert message is not None and message.etag and message.payload
    row = world.app.store.outbox.get_outbox(world.tenant, message.key)
    assert row is not None and row.etag == message.etag
    assert message.payload == row.value.payload
    world.worker.handle(queue_message(message), "m")  # leave no row for the relay to find


def test_a_fresh_message_costs_two_table_calls_and_one_send_per_recipient(
    azurite: Azurite, acs: AcsStub
) -> None:
    world = World(azurite, AcsEmailSender(acs.client(), SENDER))
    first, second = (_approved(world, [f"alex{n}@contoso.com"]) for n in range(2))
    wire = WireCounter()
    store = bootstrap.build_store(world.app.settings, raw_request_hook=wire.hook)
    worker = bootstrap.build(
        world.app.settings, store=store, sender=world.app.sender, clock=world.clock
    ).worker()
    wire.take()  # building the store made sure its tables exist
    worker.handle(first.content, first.id)
    methods = [call.split()[0] for call in wire.take()]
    # These users have no directory language: the tenant's setting is read, once.
    assert methods == ["PATCH", "GET", "DELETE"], "claim, the tenant's language, delete"
    worker.handle(second.content, second.id)
    methods = [call.split()[0] for call in wire.take()]
    assert methods == ["PATCH", "DELETE"], "claim (conditional merge), then delete: no read"
    assert len(acs.sends) == 4
    world.clock.advance(LANGUAGE_TTL + timedelta(seconds=1))
    third = _approved(world, ["alex2@contoso.com"])
    wire.take()
    worker.handle(third.content, third.id)
    assert [call.split()[0] for call in wire.take()] == ["PATCH", "GET", "DELETE"]


def test_copies_of_one_message_handled_at_once_send_each_email_once(
    azurite: Azurite, acs: AcsStub
) -> None:
    world = World(azurite, AcsEmailSender(acs.client(), SENDER))
    message = _approved(world, ["alex@contoso.com", "lee@contoso.com"])
    start = threading.Barrier(6)

    def copy(n: int) -> None:
        start.wait()
        world.worker.handle(message.content, f"copy-{n}")

    threads = [threading.Thread(target=copy, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The stub would deduplicate by Operation-Id; the requests it received show the truth.
    assert len(acs.sends) == 3


def test_a_message_without_etag_and_payload_reads_the_row(azurite: Azurite) -> None:
    sender = Recording()
    world = World(azurite, sender)
    queued = parse_message(_approved(world, ["alex@contoso.com"]).content)
    assert queued is not None
    plain = queue_message(OutboxMessage(queued.tenant, queued.key))
    assert "payload" not in plain and "etag" not in plain
    assert world.worker.handle(plain, "m").sent == 2
    assert world.worker.handle(plain, "m").dropped


def test_a_payload_too_big_for_a_message_stays_in_the_row() -> None:
    big = {"users": [{"email": f"u{i}@contoso.com", "name": "x" * 200} for i in range(200)]}
    text = queue_message(OutboxMessage("t", "O|r|decision", 'W/"1"', big))
    message = parse_message(text)
    assert message == OutboxMessage("t", "O|r|decision")
    small = queue_message(OutboxMessage("t", "O|r|decision", 'W/"1"', {"users": []}))
    assert parse_message(small) == OutboxMessage("t", "O|r|decision", 'W/"1"', {"users": []})


def test_a_crash_in_a_later_round_resends_none_of_the_earlier_rounds(azurite: Azurite) -> None:
    crashing = Recording(crash_on=ROUND + 1)
    world = World(azurite, crashing)
    message = _approved(world, _colleagues(ROUND + 1))  # requester + 9: two rounds
    with pytest.raises(Crash):
        world.worker.handle(message.content, message.id)
    assert sum(crashing.calls.values()) >= ROUND

    again = Recording()
    bootstrap.build(
        world.app.settings, store=world.app.store, sender=again, clock=world.clock
    ).worker().handle(message.content, message.id)
    # Round one was recorded before round two began; round two is the crash window.
    assert sum(again.calls.values()) == 2
    assert len(set(crashing.calls) | set(again.calls)) == ROUND + 2


def test_a_failure_in_a_round_records_the_rest_of_the_round_as_sent(
    azurite: Azurite, acs: AcsStub
) -> None:
    world = World(azurite, AcsEmailSender(acs.client(retry_total=0), SENDER))
    message = _approved(world, ["alex@contoso.com", "lee@contoso.com"])
    acs.fail_next_sends(1)
    with pytest.raises(Exception):  # noqa: B017 - the host retries whatever the sender raised
        world.worker.handle(message.content, message.id)
    assert len(acs.delivered) == 2
    assert world.worker.handle(message.content, message.id).sent == 1
    assert len(acs.sends) == 4, "3 emails, and only the failed one twice"
    assert len({d.to[0]["address"] for d in acs.delivered}) == 3


def test_no_round_starts_unless_the_lease_outlives_it(azurite: Azurite) -> None:
    holder: dict[str, World] = {}

    def slow_provider(count: int) -> None:
        if count == 1:  # the first round takes nearly the whole lease
            holder["world"].clock.advance(LEASE - SEND_BUDGET + timedelta(seconds=1))

    sender = Recording(on_call=slow_provider)
    world = World(azurite, sender)
    holder["world"] = world
    message = _approved(world, _colleagues(ROUND))  # requester + 8: two rounds
    with pytest.raises(LeaseRunningOut):
        world.worker.handle(message.content, message.id)
    assert sum(sender.calls.values()) == ROUND
    assert world.worker.handle(message.content, message.id).sent == 1
    assert set(sender.calls.values()) == {1}, "each recipient once"


def test_the_send_budget_covers_the_acs_clients_longest_send() -> None:
    from shared.adapters.email.acs import _CLIENT_OPTIONS

    longest = _CLIENT_OPTIONS["connection_timeout"] + _CLIENT_OPTIONS["read_timeout"]
    assert SEND_BUDGET.total_seconds() > longest
