"""Crash recovery of notices without polling tenants (X6): the safety message put before a
decision commits, and the relay timer's one global list of notices that were not queued."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.adapters.queue_notifier import QueueNotifier
from shared.domain.commands import ApproveCommand
from tests.integration.test_email_delivery import World, _read_eml
from tests.integration.test_round_trips import Counter
from tests.support.azurite import Azurite


class Killed(BaseException):
    """The process dies: nothing after this line runs."""


class DyingQueue:
    """The real queue, except that the process dies on the first immediate put (the one
    right after the commit). Delayed puts (safety messages) are kept for the test to hand
    over when their delay is up, as the queue would."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.delayed: list[str] = []
        self.dead = False

    def send_message(self, content: str, **kwargs: Any) -> None:
        if kwargs.get("visibility_timeout"):
            self.delayed.append(content)
            return
        if not self.dead:
            self.dead = True
            raise Killed
        self.queue.send_message(content)


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def world(azurite: Azurite, outbox: Path) -> World:
    return World(azurite, OutboxDirSender(outbox))


@pytest.fixture
def dying(azurite: Azurite, tmp_path: Path) -> tuple[World, DyingQueue]:
    world = World(azurite, OutboxDirSender(tmp_path / "outbox"))
    queue = DyingQueue(world.queue)
    world.app = bootstrap.build(
        world.app.settings,
        clock=world.clock,
        store=world.app.store,
        notifier=QueueNotifier(queue),
        sender=world.app.sender,
    )
    return world, queue


def test_a_process_killed_right_after_the_commit_still_delivers(
    dying: tuple[World, DyingQueue], tmp_path: Path
) -> None:
    world, queue = dying
    request_id = world.submit(["alex@contoso.com"])
    with pytest.raises(Killed):
        world.app.service.approve(world.admin, request_id, ApproveCommand())
    # The decision was committed; its notice was never queued. Two minutes later the
    # safety message shows up.
    [safety] = queue.delayed
    world.clock.advance(timedelta(minutes=2))
    world.worker.handle(safety, "safety")
    assert world.deliver_all() == 1
    delivered = sorted(m["To"].addresses[0].addr_spec for m in _read_eml(tmp_path / "outbox"))
    assert delivered == ["alex@contoso.com", "megan@contoso.com"]


def test_a_safety_message_after_delivery_finds_nothing_to_do(world: World, outbox: Path) -> None:
    request_id = world.submit([])
    world.app.service.approve(world.admin, request_id, ApproveCommand())
    assert world.deliver_all() == 1  # the notice; the safety copy is still invisible
    world.clock.advance(timedelta(minutes=2))
    safety = f'{{"tenant":"{world.tenant}","outbox":"O|{request_id}|"}}'
    world.worker.handle(safety, "safety")
    assert world.messages() == []
    assert len(_read_eml(outbox)) == 1


def test_the_relay_timer_reads_one_list_whatever_the_number_of_tenants(
    azurite: Azurite, outbox: Path
) -> None:
    for _ in range(3):  # tenants with products, settings and requests
        World(azurite, OutboxDirSender(outbox)).submit(["alex@contoso.com"])
    counter = Counter()
    settings = World(azurite, OutboxDirSender(outbox)).app.settings
    store = bootstrap.build_store(settings, raw_request_hook=counter.hook)
    relay = bootstrap.build(settings, store=store).relay()
    counter.take()
    relay.run()
    assert len(counter.take()) == 1
