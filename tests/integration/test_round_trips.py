"""Storage round trips per operation, on the wire (SDK request and response hooks): how
many calls, and their depth (calls that overlap in time count once: parallel reads)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import urllib3
from azure.core.pipeline.transport import HttpTransport

from shared import bootstrap
from shared.adapters.http_transport import Urllib3Transport
from shared.app.queries import ListQuery
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import ProductPut, RequestCreate
from tests.integration.conftest import settings_for
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock


@dataclass
class Counter:
    calls: list[str] = field(default_factory=list)
    spans: dict[int, list[float]] = field(default_factory=dict)
    # Kept alive so that no two calls share an id (a freed object's id is reused).
    requests: list[Any] = field(default_factory=list)

    def hook(self, request: Any) -> None:
        self.calls.append(f"{request.http_request.method} {request.http_request.url.split('?')[0]}")
        self.requests.append(request.http_request)
        self.spans[id(request.http_request)] = [time.perf_counter(), float("inf")]

    def response_hook(self, response: Any) -> None:
        span = self.spans.get(id(response.http_request))
        if span:
            span[1] = time.perf_counter()

    def take(self) -> list[str]:
        taken, self.calls, self.spans, self.requests = self.calls, [], {}, []
        return taken

    def depth(self) -> int:
        """Sequential waves of calls: a call that starts before the wave's first answer
        arrived ran side by side with it."""
        waves, wave_end = 0, -1.0
        for start, end in sorted(self.spans.values()):
            if start >= wave_end:
                waves, wave_end = waves + 1, end
            else:
                wave_end = min(wave_end, end)
        return waves


class Distant(HttpTransport):  # type: ignore[type-arg]
    """Storage 20 ms away, as Azure is: calls made side by side visibly overlap, whatever
    the machine's load does to thread start-up."""

    def __init__(self, inner: Urllib3Transport) -> None:
        self._inner = inner

    def __enter__(self) -> Distant:
        return self

    def __exit__(self, *_: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return self._inner.send(request, **kwargs)


class DistantPool:
    """The lean wire's connection pool, 20 ms away likewise."""

    def __init__(self) -> None:
        self._pool = urllib3.PoolManager()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return self._pool.request(*args, **kwargs)


@pytest.fixture
def counted(azurite: Azurite) -> Iterator[tuple[bootstrap.Container, Counter]]:
    counter = Counter()
    settings = settings_for(azurite)
    store = bootstrap.build_store(
        settings,
        raw_request_hook=counter.hook,
        raw_response_hook=counter.response_hook,
        transport=Distant(Urllib3Transport()),
        wire_pool=DistantPool(),
    )
    yield bootstrap.build(settings, store=store, clock=FrozenClock()), counter


def test_each_operation_stays_within_its_round_trip_budget(
    counted: tuple[bootstrap.Container, Counter],
) -> None:
    app, counter = counted
    service = app.service
    tenant = unique_tenant()
    admin = Principal(tenant, "a1", "Ada", "ada@contoso.com", True)
    user = Principal(tenant, "u1", "Megan", "megan@contoso.com", False)
    product = ProductPut.model_validate(
        {
            "name": "Visio",
            "selfServicePurchase": "blocked",
            "totalLicenses": 9,
            "servicePlans": [{"id": "v", "name": "V"}],
        }
    )
    service.put_product(admin, "visio", product)
    # Warm the read pool's threads, as a running app has them: depth is about steady state.
    warm = Principal(tenant, "u0", "Warm", "warm@contoso.com", False)
    service.submit(warm, RequestCreate.model_validate({"productId": "visio"}))
    counter.take()

    def wire() -> tuple[int, int]:
        depth = counter.depth()
        return len(counter.take()), depth

    made = service.submit(user, RequestCreate.model_validate({"productId": "visio"})).request
    # Settings, product, marker, connection and counts rows: point reads side by side; a
    # transaction.
    assert wire() == (6, 2), "submit: five parallel point reads + one transaction"

    service.get_request(admin, made.id)
    assert wire() == (1, 1), "get: one point read"

    service.list_requests(admin, ListQuery(limit=50, view="pending"))
    assert wire() == (3, 1), "list: settings and counts beside one page query"

    service.approve(admin, made.id, ApproveCommand())
    assert wire() == (4, 2), (
        "approve: request and counts point reads beside a catalogue range; a transaction"
    )

    other = Principal(tenant, "u2", "Lee", "lee@contoso.com", False)
    second = service.submit(other, RequestCreate.model_validate({"productId": "visio"})).request
    counter.take()
    service.deny(admin, second.id, DenyCommand())
    assert wire() == (3, 2), "deny: request and counts read side by side + one transaction"
