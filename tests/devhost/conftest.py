"""Run the dev host as a subprocess, the way a developer or the e2e suite does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support.azurite import ROOT, free_port

_T = TypeVar("_T")

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
    """A running `python -m tools.devhost` and what it printed."""

    process: subprocess.Popen[str]
    port: int
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)
    listening: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def launch(root: Path, env: dict[str, str], port: int | None = None) -> HostProcess:
    """Start the host on `toy_app`; does not wait for it to listen."""
    port = port or free_port()
    stderr_path = root / f"devhost-{port}.stderr"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.devhost",
            "--app",
            "tests.devhost.toy_app:app",
            "--port",
            str(port),
            "--root",
            str(root),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr_path.open("w", encoding="utf-8"),
        text=True,
    )
    host = HostProcess(process, port, stderr_path)

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            host.stdout_lines.append(line.rstrip("\n"))
            if line.startswith("devhost listening on"):
                host.listening.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    return host


def start_host(root: Path, env: dict[str, str], timeout: float = 30) -> HostProcess:
    """Start the host and wait for its `devhost listening on` line."""
    host = launch(root, env)
    deadline = time.monotonic() + timeout
    while not host.listening.wait(0.1):
        if host.process.poll() is not None or time.monotonic() > deadline:
            host.stop()
            raise RuntimeError(f"dev host did not start:\n{host.stderr()}")
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


@pytest.fixture
def stopper() -> Iterator[list[HostProcess]]:
    """Hosts appended here are stopped after the test, whatever happens."""
    hosts: list[HostProcess] = []
    yield hosts
    for host in hosts:
        host.stop()
