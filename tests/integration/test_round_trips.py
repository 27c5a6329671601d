"""Storage round trips per operation, counted on the wire by an SDK request hook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared import bootstrap
from shared.app.queries import ListQuery
from shared.domain.identity import Principal
from shared.domain.models import ApproveCommand, DenyCommand, ProductPut, RequestCreate
from tests.integration.conftest import settings_for
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock


@dataclass
class Counter:
    calls: list[str] = field(default_factory=list)

    def hook(self, request: Any) -> None:
        self.calls.append(f"{request.http_request.method} {request.http_request.url.split('?')[0]}")

    def take(self) -> list[str]:
        taken, self.calls = self.calls, []
        return taken


@pytest.fixture
def counted(azurite: Azurite) -> Iterator[tuple[bootstrap.Container, Counter]]:
    counter = Counter()
    settings = settings_for(azurite)
    store = bootstrap.build_store(settings, raw_request_hook=counter.hook)
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
    counter.take()

    made = service.submit(user, RequestCreate.model_validate({"productId": "visio"})).request
    assert len(counter.take()) == 2, "submit: one read + one transaction"

    service.get_request(admin, made.id)
    assert len(counter.take()) == 1, "get: one point read"

    service.list_requests(admin, ListQuery(limit=50, view="pending"))
    assert len(counter.take()) == 2, "list: settings + one page query"

    service.approve(admin, made.id, ApproveCommand())
    assert len(counter.take()) == 2, "approve: one read + one transaction"

    other = Principal(tenant, "u2", "Lee", "lee@contoso.com", False)
    second = service.submit(other, RequestCreate.model_validate({"productId": "visio"})).request
    counter.take()
    service.deny(admin, second.id, DenyCommand())
    assert len(counter.take()) == 2, "deny: one read + one transaction"
