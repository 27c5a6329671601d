"""In-process app wired to the test Azurite, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared import bootstrap
from shared.config import Settings, load_settings
from tests.support.api import token, unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock


@dataclass
class App:
    """The app in this process, its clock and a fresh tenant's tokens."""

    container: bootstrap.Container
    clock: FrozenClock
    tenant: str
    admin: str
    user: str


def settings_for(azurite: Azurite, **env: str) -> Settings:
    return load_settings({"AzureWebJobsStorage": azurite.connection_string, **env})


@pytest.fixture
def app(azurite: Azurite) -> Iterator[App]:
    """The whole app in-process (bootstrap overridden), on Azurite, with a frozen clock."""
    clock = FrozenClock()
    container = bootstrap.build(settings_for(azurite), clock=clock)
    bootstrap.override(container)
    tenant = unique_tenant()
    try:
        yield App(
            container,
            clock,
            tenant,
            token(tenant, "admin@contoso.com", admin=True),
            token(tenant, "megan@contoso.com"),
        )
    finally:
        bootstrap.override(None)
