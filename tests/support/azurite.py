"""Start a private Azurite (npm) on free loopback ports for one test session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key: not a secret.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(process: subprocess.Popen[bytes], port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with {process.returncode}; see its log")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Azurite did not listen on {port} within {timeout}s")


@dataclass
class Azurite:
    """A running Azurite process and how to reach it."""

    queue_port: int
    table_port: int
    process: subprocess.Popen[bytes]
    workdir: str

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"QueueEndpoint=http://127.0.0.1:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{self.table_port}/{ACCOUNT};"
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_azurite() -> Azurite:
    """Start Azurite's queue and table services on fresh loopback ports."""
    binary = ROOT / "node_modules" / ".bin" / "azurite"
    if not binary.exists():
        raise RuntimeError("Azurite is not installed: run `make test` (it runs `npm ci`).")
    workdir = tempfile.mkdtemp(prefix="azurite-test-")
    queue_port, table_port = free_port(), free_port()
    log = open(os.path.join(workdir, "azurite.log"), "wb")  # noqa: SIM115 - lives with the process
    process = subprocess.Popen(
        [
            str(binary),
            "--silent",
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            str(queue_port),
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            str(table_port),
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    try:
        _wait_listening(process, queue_port)
        _wait_listening(process, table_port)
    except RuntimeError:
        process.kill()
        raise
    return Azurite(queue_port, table_port, process, workdir)
