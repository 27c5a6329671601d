"""`make run`: Azurite + the dev host + the demo catalogue, until Ctrl-C.

Everything it starts listens on loopback only and stops with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from shared.config import (
    DEV_STORAGE_CONNECTION,
    SettingsError,
    load_settings,
    with_schedule_defaults,
)
from tools.demo import DEMO_ADMIN, DEMO_TENANT, DEMO_USER, load_demo_catalogue

ROOT = Path(__file__).resolve().parents[1]
AZURITE_PORTS = {"blob": 10000, "queue": 10001, "table": 10002}
HOST, PORT = "127.0.0.1", int(os.environ.get("DEVHOST_PORT", "7071"))


def _port_busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) == 0


def _wait(check: str, ok: object, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{check} exited early with code {proc.returncode}")
        if callable(ok) and ok():
            return
        time.sleep(0.2)
    raise SystemExit(f"{check} did not become ready within {timeout:.0f}s")


def _healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{PORT}/api/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def main() -> int:
    """Start everything, print how to try it, and wait for Ctrl-C."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Setting error: {exc}", file=sys.stderr)
        return 2
    busy = [p for p in (*AZURITE_PORTS.values(), PORT) if _port_busy(p)]
    if busy:
        print(
            f"Ports {busy} are in use on {HOST}: is `make run` already running? Stop it first.",
            file=sys.stderr,
        )
        return 1
    local = ROOT / ".local"
    (local / "azurite").mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen[bytes]] = []

    def stop() -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    # Explicit, because a shell starting us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        azurite = subprocess.Popen(
            [
                str(ROOT / "node_modules" / ".bin" / "azurite"),
                "--silent",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--location",
                str(local / "azurite"),
                *[
                    arg
                    for name, port in AZURITE_PORTS.items()
                    for arg in (f"--{name}Host", HOST, f"--{name}Port", str(port))
                ],
            ],
            cwd=ROOT,
        )
        children.append(azurite)
        _wait("Azurite", lambda: all(_port_busy(p) for p in AZURITE_PORTS.values()), 30, azurite)
        host = subprocess.Popen(
            [sys.executable, "-m", "tools.devhost", "--host", HOST, "--port", str(PORT)],
            cwd=ROOT,
            env=with_schedule_defaults(
                {"AzureWebJobsStorage": DEV_STORAGE_CONNECTION, **os.environ}
            ),
        )
        children.append(host)
        _wait("The dev host", _healthy, 60, host)
        base = f"http://{HOST}:{PORT}"
        created = load_demo_catalogue(base, settings.dev_jwt_secret)
        print(_banner(base, created, settings.email_outbox_dir), flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        print("A child process stopped; shutting down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


def _banner(base: str, created: list[str], outbox: str) -> str:
    loaded = f"created {', '.join(created)}" if created else "already loaded"
    return f"""
License Requests is running at {base}/api
  Web console: {base}/api/console/  (dev sign-in: any tenant and email; tenant '{DEMO_TENANT}' has
  the demo catalogue; tick "Global admin" to review requests)
  Azurite on 127.0.0.1:10000-10002 (data in .local/azurite)
Demo tenant '{DEMO_TENANT}': catalogue {loaded}. Emails are written to {outbox}/.

Try it (in another terminal):
  export T={DEMO_TENANT}
  ADMIN=$(.venv/bin/python -m tools.token --tenant $T --user {DEMO_ADMIN} --admin)
  USER=$(.venv/bin/python -m tools.token --tenant $T --user {DEMO_USER} --name "Megan Bowen")
  curl -s {base}/api/products -H "Authorization: Bearer $USER"
  curl -s -X POST {base}/api/requests -H "Authorization: Bearer $USER" \\
       -d '{{"productId": "visio-plan-2", "users": [{{"email": "alex@contoso.com"}}]}}'
  curl -s "{base}/api/requests?status=pending" -H "Authorization: Bearer $ADMIN"
  curl -s -X POST {base}/api/requests/<id>/approve -H "Authorization: Bearer $ADMIN" -d '{{}}'

Ctrl-C stops everything.
"""


if __name__ == "__main__":
    sys.exit(main())
