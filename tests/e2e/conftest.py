"""The app served by the dev host (a subprocess) on a free port, against the test Azurite."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from shared.config import with_schedule_defaults
from tests.support.api import Api, Tenant, token, unique_tenant
from tests.support.azurite import Azurite, free_port
from tests.support.devhost import ROOT, launch_devhost, stop_process, wait_healthy


def devhost_env(azurite: Azurite, **extra: str) -> dict[str, str]:
    """The environment the dev host runs the app with in tests."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "EMAIL_", "RETENTION_"))
    }
    env.update(
        {
            "AzureWebJobsStorage": azurite.connection_string,
            "AUTH_MODE": "dev",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return with_schedule_defaults(env)


def start_devhost(
    env: dict[str, str], port: int, log_path: Path, root: Path = ROOT
) -> subprocess.Popen[bytes]:
    """Start `python -m tools.devhost` (host.json from `root`) and wait for /api/health."""
    proc = launch_devhost(env, port, log_path, root)
    wait_healthy(proc, port, log_path)
    return proc


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's dev host writes its .eml files."""
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def base_url(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory, outbox_dir: Path
) -> Iterator[str]:
    """The dev host serving function_app for the whole session."""
    port = free_port()
    outbox = outbox_dir
    proc = start_devhost(
        devhost_env(azurite, EMAIL_OUTBOX_DIR=str(outbox)),
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
def anonymous(base_url: str, http: requests.Session) -> Api:
    return Api(base_url, None, http)
