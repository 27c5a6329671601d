"""Azurite for the session, and the dev host as a subprocess on the toy app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from tools.localstack import Azurite, free_port, launch_devhost, start_azurite

_T = TypeVar("_T")

TOY_APP = "tools.devhost.tests.toy_app:app"
LISTENING = "devhost listening on "
# Fast retries so the poison path takes seconds, not minutes.
TEST_HOST_JSON = {
    "version": "2.0",
    "extensions": {
        "http": {"routePrefix": "api"},
        "queues": {
            "maxPollingInterval": "00:00:00.5",
            "visibilityTimeout": "00:00:01",
            "maxDequeueCount": 3,
            "batchSize": 4,
        },
    },
}


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A private in-memory Azurite on free loopback ports."""
    server = start_azurite()
    try:
        yield server
    finally:
        server.stop()


def write_root(root: Path, local_settings: dict[str, object] | None = None) -> Path:
    """A --root folder with the test host.json (and local.settings.json when given)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "host.json").write_text(json.dumps(TEST_HOST_JSON), encoding="utf-8")
    if local_settings is not None:
        (root / "local.settings.json").write_text(json.dumps(local_settings), encoding="utf-8")
    return root


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without anything a previous toy run or the developer's shell could leak."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOY_", "AzureWebJobs"))}
    env.update(extra)
    return env


@dataclass
class HostProcess:
    """A running `python -m tools.devhost` on the toy app and its log (stdout and stderr)."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def listening(self) -> bool:
        return LISTENING in self.log()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Send `sig` to the host itself (not its group) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def launch(root: Path, env: dict[str, str]) -> HostProcess:
    """Start the host on the toy app; does not wait for it to listen."""
    port = free_port()
    log_path = root / f"devhost-{port}.log"
    return HostProcess(launch_devhost(env, port, log_path, root=root, app=TOY_APP), port, log_path)


def start_host(root: Path, env: dict[str, str], timeout: float = 30) -> HostProcess:
    """Start the host and wait for its `devhost listening on` line."""
    host = launch(root, env)
    deadline = time.monotonic() + timeout
    while not host.listening():
        if host.process.poll() is not None or time.monotonic() > deadline:
            host.stop()
            raise RuntimeError(f"dev host did not start:\n{host.log()}")
        time.sleep(0.1)
    return host


def wait_until(probe: Callable[[], _T], timeout: float, what: str) -> _T:
    """Poll `probe` until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def read_records(path: Path) -> list[dict[str, object]]:
    """The JSON lines a toy function appended to its record file."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    """A fresh --root with the test host.json."""
    return write_root(tmp_path / "root")
