"""A queue outage does not hold decisions: they answer within seconds, their notices are
noted for the relay, and the emails go out once the queue service is back."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from shared import bootstrap
from shared.adapters import queue_wire
from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.config import load_settings
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import RequestCreate
from tests.integration.test_email_delivery import World, _read_eml
from tests.support.azurite import Azurite
from tests.support.outage import SwitchableRelay


def test_decisions_with_the_queue_black_holed_answer_fast_and_are_emailed_later(
    azurite: Azurite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_wire, "OUTAGE_SECONDS", 0.5)
    outbox = tmp_path / "outbox"
    world = World(azurite, OutboxDirSender(outbox))
    approved = world.submit(["alex@contoso.com"])
    other = Principal(world.tenant, "u2", "Lee Gu", "lee@contoso.com", False)
    body = RequestCreate.model_validate({"productId": "visio"})
    denied = world.app.service.submit(other, body).request.id
    with SwitchableRelay(azurite.ports.queue) as relay:
        relay.up = False
        storage = azurite.connection_string.replace(f":{azurite.ports.queue}/", f":{relay.port}/")
        settings = load_settings(
            {"AzureWebJobsStorage": storage, "NOTIFICATIONS_QUEUE": world.queue.queue_name}
        )
        app = bootstrap.build(
            settings, clock=world.clock, store=world.app.store, sender=world.app.sender
        )
        timings = []
        for decide in (
            lambda: app.service.approve(world.admin, approved, ApproveCommand()),
            lambda: app.service.deny(world.admin, denied, DenyCommand(message="Not this year")),
        ):
            started = time.monotonic()
            decide()
            timings.append(time.monotonic() - started)
        assert max(timings) < 5, timings
        assert world.messages() == []  # nothing reached the queue

        relay.up = True
        time.sleep(0.6)  # the outage is no longer remembered
        world.clock.advance(timedelta(minutes=1))
        assert app.relay().run() == 2  # the relay timer's next run
    assert world.deliver_all() == 2
    delivered = sorted(m["To"].addresses[0].addr_spec for m in _read_eml(outbox))
    assert delivered == ["alex@contoso.com", "lee@contoso.com", "megan@contoso.com"]
