"""Session-wide fixtures: one private Azurite and one dev host serving the app.

Defined here, once, so every suite shares the same dev host: two hosts on one Azurite
would both consume the notifications queue and take each other's messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.api import Api, Tenant, token, unique_tenant
from tests.support.azurite import Azurite, free_port, start_azurite
from tests.support.devhost import devhost_env, start_devhost, stop_process
from tests.support.graph import Graph, connect, unique_m365_tenant, user_id
from tools.localstack import start_graph_emulator


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite on free loopback ports, stopped at the end of the session."""
    server = start_azurite()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's dev host writes its .eml files."""
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graph]:
    """The local Microsoft Graph emulator, seeded with the demo directory."""
    emulator = start_graph_emulator(tmp_path_factory.mktemp("graph"), seed="demo", fresh=True)
    try:
        yield Graph(emulator)
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def query_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every table query the session's dev host makes, one URL a line (TABLE_QUERY_LOG)."""
    return tmp_path_factory.mktemp("queries") / "queries.log"


@pytest.fixture(scope="session")
def base_url(
    azurite: Azurite,
    tmp_path_factory: pytest.TempPathFactory,
    outbox_dir: Path,
    graph: Graph,
    query_log: Path,
) -> Iterator[str]:
    """The dev host serving function_app for the whole session (Graph: the emulator)."""
    port = free_port()
    outbox = outbox_dir
    proc = start_devhost(
        devhost_env(
            azurite,
            EMAIL_OUTBOX_DIR=str(outbox),
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            TABLE_QUERY_LOG=str(query_log),
            # Time-limited licences of seconds are reclaimed within seconds (X14).
            RECLAIM_SCHEDULE="*/2 * * * * *",
            **graph.emulator.settings(),
        ),
        port,
        tmp_path_factory.mktemp("devhost") / "devhost.log",
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def tenant(base_url: str, http: requests.Session) -> Tenant:
    """A fresh tenant with an admin and a user."""
    tid = unique_tenant()
    return Tenant(
        id=tid,
        admin=Api(base_url, token(tid, "admin@contoso.com", admin=True, name="Ada Admin"), http),
        user=Api(base_url, token(tid, "megan@contoso.com", name="Megan Bowen"), http),
        base=base_url,
        session=http,
    )


@pytest.fixture
def m365(base_url: str, http: requests.Session, graph: Graph) -> Tenant:
    """A fresh tenant with a copy of the demo directory, connected to Microsoft 365; its
    admin is admin@ and its user megan@, with their directory object ids."""
    tid = unique_m365_tenant()
    graph.clone_demo(tid)

    def person(email: str, admin: bool = False) -> Api:
        bearer = token(tid, email, admin=admin, user_id=user_id(email))
        return Api(base_url, bearer, http)

    admin = person("admin@contoso.com", admin=True)
    assert connect(base_url, http, admin.bearer or "", graph).endswith("microsoft365=connected")
    return Tenant(
        id=tid, admin=admin, user=person("megan@contoso.com"), base=base_url, session=http
    )


@pytest.fixture
def anonymous(base_url: str, http: requests.Session) -> Api:
    return Api(base_url, None, http)
