"""Session-wide fixtures: one private Azurite for the whole test run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.azurite import Azurite, start_azurite


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite on free loopback ports, stopped at the end of the session."""
    server = start_azurite()
    try:
        yield server
    finally:
        server.stop()
