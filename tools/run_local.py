"""`make run`: Azurite + the Graph emulator + the dev host + the demo catalogue, until Ctrl-C.

Everything it starts (with tools.localstack) listens on loopback only and stops with it.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from shared.config import SettingsError, load_settings
from tools.demo import DEMO_ADMIN, DEMO_TENANT, DEMO_USER, set_up_demo_tenant
from tools.localstack import (
    GRAPH_EMULATOR_DIR,
    GRAPH_EMULATOR_PORT,
    LOOPBACK,
    ROOT,
    AzuritePorts,
    AzuriteService,
    DevHostService,
    GraphEmulatorService,
    LocalStack,
    LocalStackError,
    port_busy,
)

# Azurite's default ports, which `UseDevelopmentStorage=true` and the app's defaults name.
AZURITE_PORTS = AzuritePorts(blob=10000, queue=10001, table=10002)
PORT = int(os.environ.get("DEVHOST_PORT", "7071"))
GRAPH_PORT = int(os.environ.get("GRAPH_EMULATOR_PORT", str(GRAPH_EMULATOR_PORT)))


def _interrupt(_sig: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Start everything, print how to try it, and wait for Ctrl-C."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Setting error: {exc}", file=sys.stderr)
        return 2
    ports = (AZURITE_PORTS.blob, AZURITE_PORTS.queue, AZURITE_PORTS.table, GRAPH_PORT, PORT)
    busy = [port for port in ports if port_busy(port)]
    if busy:
        print(
            f"Ports {busy} are in use on {LOOPBACK}: is `make run` already running? Stop it first.",
            file=sys.stderr,
        )
        return 1
    stack = LocalStack(
        AzuriteService(AZURITE_PORTS, ROOT / ".local" / "azurite"),
        GraphEmulatorService(GRAPH_PORT, GRAPH_EMULATOR_DIR),
        # The environment wins over Azurite's connection string, as the app settings would.
        DevHostService(PORT, environ=os.environ),
    )
    signal.signal(signal.SIGTERM, _interrupt)
    # Explicit, because a shell starting us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack.start()
        base = f"http://{LOOPBACK}:{PORT}"
        done = set_up_demo_tenant(base, settings.dev_jwt_secret, GRAPH_EMULATOR_DIR / "ca.pem")
        graph = f"https://{LOOPBACK}:{GRAPH_PORT}"
        print(_banner(base, done, settings.email_outbox_dir, graph), flush=True)
        while not stack.stopped():
            time.sleep(0.5)
        print(f"{', '.join(stack.stopped())} stopped; shutting down.", file=sys.stderr)
        return 1
    except LocalStackError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # The children have their own process groups: a second Ctrl-C must not cut this short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def _banner(base: str, done: str, outbox: str, graph: str) -> str:
    return f"""
License Requests is running at {base}/api
  Web console: {base}/api/console/  (dev sign-in: tenant '{DEMO_TENANT}' with a person of its
  directory, e.g. {DEMO_USER}; sign in as {DEMO_ADMIN} and tick "Global admin" to review)
  Azurite on 127.0.0.1:10000-10002 (data in .local/azurite)
  Microsoft Graph emulator on {graph} (directory, CA and log in {_graph_dir()}/)
Demo tenant '{DEMO_TENANT}': {done}. Emails are written to {outbox}/.

Try it (in another terminal):
  export T={DEMO_TENANT}
  ADMIN=$(.venv/bin/python -m tools.token --tenant $T --user {DEMO_ADMIN} --admin)
  USER=$(.venv/bin/python -m tools.token --tenant $T --user {DEMO_USER} --name "Megan Bowen")
  curl -s {base}/api/products -H "Authorization: Bearer $USER"
  curl -s -X POST {base}/api/requests -H "Authorization: Bearer $USER" \\
       -d '{{"productId": "m365-projectprofessional", "users": [{{"email": "lee@contoso.com"}}]}}'
  (a colleague outside the directory, e.g. bob@fabrikam.com, answers 422 unknown_user;
   nestor@contoso.com has no usage location: approved, his assignment fails and says why)
  curl -s "{base}/api/requests?status=pending" -H "Authorization: Bearer $ADMIN"
  curl -s -X POST {base}/api/requests/<id>/approve -H "Authorization: Bearer $ADMIN" -d '{{}}'
  curl -s {base}/api/requests/<id> -H "Authorization: Bearer $ADMIN"   (fulfilment, outcomes)
{_graph_lines(graph)}
Run a timer or queue function now (the dev host's admin API, with its master key):
  curl -s -X POST {base}/admin/functions/retention_sweep -d '{{}}' \\
    -H "x-functions-key: $(cat .local/devhost-master-key)"

Ctrl-C stops everything.
"""


def _graph_dir() -> Path:
    return GRAPH_EMULATOR_DIR.relative_to(ROOT)


def _graph_lines(graph: str) -> str:
    """How to look at a user's licences on the Graph emulator."""
    state = _graph_dir()
    url = "" if GRAPH_PORT == GRAPH_EMULATOR_PORT else f" --url {graph}"
    return f"""
Licences on the Graph emulator (tenant '{DEMO_TENANT}'):
  GRAPH=$(.venv/bin/python -m tools.graph_emulator token {DEMO_TENANT}{url})
  curl -s --cacert {state}/ca.pem '{graph}/v1.0/users/{DEMO_USER}?$select=assignedLicenses' \\
       -H "Authorization: Bearer $GRAPH"
"""


if __name__ == "__main__":
    sys.exit(main())
