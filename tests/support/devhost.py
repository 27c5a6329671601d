"""Run the app under `python -m tools.devhost` as a subprocess (tests and benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from shared.config import with_schedule_defaults
from tests.support.azurite import Azurite

ROOT = Path(__file__).resolve().parents[2]


def launch_devhost(
    env: dict[str, str], port: int, log_path: Path, root: Path = ROOT
) -> subprocess.Popen[bytes]:
    """Start the dev host (host.json from `root`); `wait_healthy` before using it."""
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable, "-m", "tools.devhost",
            "--host", "127.0.0.1", "--port", str(port), "--root", str(root),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> str:
    """The base URL once /api/health answers; the log's tail if the host died or hung."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dev host exited: {log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{base}/api/health", timeout=1).ok:
                return base
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"dev host not ready: {log_path.read_text()[-3000:]}")


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate, then kill if it lingers."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


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
