"""The lean queue put against the queue SDK, on Azurite: the same message arrives, delayed
when asked, and a queue that cannot be reached fails fast."""

from __future__ import annotations

import base64
import time
import uuid

import pytest
import urllib3

from shared import bootstrap
from shared.adapters.queue_wire import QueueUnavailable, QueueWire
from shared.config import load_settings
from tests.integration.conftest import settings_for
from tests.support.azurite import ACCOUNT, KEY, Azurite, free_port


def test_a_message_put_by_hand_arrives_as_the_sdk_s_does(azurite: Azurite) -> None:
    settings = settings_for(azurite)
    queue = bootstrap.build_queue(settings, f"wire{uuid.uuid4().hex[:10]}")
    wire = QueueWire.for_client(queue, urllib3.PoolManager())
    assert wire is not None
    wire.put('{"tenant":"t","outbox":"O|x|decision","é":1}')
    queue.send_message('{"tenant":"t","outbox":"O|y|decision"}')
    wire.put("later", visibility_timeout=30)
    received = [
        base64.b64decode(m.content).decode() for m in queue.receive_messages(max_messages=10)
    ]
    assert sorted(received) == sorted(
        ['{"tenant":"t","outbox":"O|x|decision","é":1}', '{"tenant":"t","outbox":"O|y|decision"}']
    )
    assert queue.get_queue_properties().approximate_message_count == 3  # one still hidden


def test_an_unreachable_queue_fails_within_seconds() -> None:
    port = free_port()
    settings = load_settings(
        {
            "AzureWebJobsStorage": f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};"
            f"AccountKey={KEY};QueueEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
        }
    )
    wire = QueueWire.for_client(bootstrap.queue_client(settings, "q"), urllib3.PoolManager())
    assert wire is not None
    started = time.monotonic()
    with pytest.raises(QueueUnavailable):
        wire.put("x")
    assert time.monotonic() - started < 5
