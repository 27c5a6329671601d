"""One launcher for the local services: Azurite, the dev host and local stubs.

`make run` (tools/run_local.py), the test sessions (tests/conftest.py through
tests/support/, and tools/devhost/tests) and the bench start them all here.

Every service is a child process in its own process group, listening on
127.0.0.1 only, and `stop_process` ends the whole group (SIGTERM, then SIGKILL).
The pieces are plain functions: `free_port`, `start_azurite`, `launch_devhost`,
`wait_devhost`, `stop_process`. For a stack that runs until stopped,
`LocalStack` starts `Service`s in order: each starts once the ones before it
are ready, sees the settings they added (Azurite adds its connection string as
`AzureWebJobsStorage`) and adds its own; they stop in reverse order. The Graph
emulator (tools/graph_emulator) is one more Service placed before the dev host:
`GraphEmulatorService.start` launches it, waits for it and returns the `GRAPH_*`
settings that point the app at it (`start_graph_emulator` does the same for tests).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from shared.config import with_schedule_defaults
from tools.graph_emulator.seed import DEV_CLIENT_ID, DEV_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
AZURITE = ROOT / "node_modules" / ".bin" / "azurite"
ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key: not a secret.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# App settings a developer's shell may hold; tests and the bench must not inherit them.
SHELL_SETTINGS = ("AUTH_", "EMAIL_", "RETENTION_")


class LocalStackError(RuntimeError):
    """A local service failed to start or to become ready."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_busy(port: int) -> bool:
    """Whether something accepts connections on this loopback port."""
    with socket.socket() as s:
        return s.connect_ex((LOOPBACK, port)) == 0


def spawn(
    argv: Sequence[str], log_path: Path | None, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in its own process group, from ROOT; output to `log_path`, else ours."""
    log = open(log_path, "ab") if log_path is not None else None
    try:
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            start_new_session=True,
        )
    finally:
        if log is not None:
            log.close()  # the child holds its own copy


def _log_tail(log_path: Path | None) -> str:
    if log_path is None or not log_path.exists():
        return ""
    return f"; the end of {log_path}:\n{log_path.read_text(errors='replace')[-3000:]}"


def wait_ready(
    proc: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    what: str,
    timeout: float,
    log_path: Path | None = None,
) -> None:
    """Poll `ready` until true; stop the child and raise LocalStackError if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise LocalStackError(f"{what} exited with code {proc.returncode}{_log_tail(log_path)}")
        if time.monotonic() > deadline:
            stop_process(proc)
            raise LocalStackError(
                f"{what} was not ready within {timeout:.0f}s{_log_tail(log_path)}"
            )
        time.sleep(0.1)


def _signal(proc: subprocess.Popen[Any], sig: int) -> None:
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass  # already gone


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM to the child's process group, SIGKILL if it lingers; a no-op once it exited."""
    if proc.poll() is not None:
        return
    _signal(proc, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL)
        proc.wait(5)


# Azurite


@dataclass(frozen=True)
class AzuritePorts:
    """Where Azurite listens; blob 0 means any port, left out of the connection string."""

    queue: int
    table: int
    blob: int = 0


@dataclass
class Azurite:
    """A running Azurite (npm) and how to reach it."""

    process: subprocess.Popen[bytes]
    ports: AzuritePorts
    workdir: Path
    temporary: bool  # an in-memory run's scratch folder, removed at stop

    @property
    def log_path(self) -> Path:
        return self.workdir / "azurite.log"

    @property
    def connection_string(self) -> str:
        endpoints = [("Blob", self.ports.blob)] if self.ports.blob else []
        endpoints += [("Queue", self.ports.queue), ("Table", self.ports.table)]
        return f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};" + "".join(
            f"{kind}Endpoint=http://{LOOPBACK}:{port}/{ACCOUNT};" for kind, port in endpoints
        )

    def stop(self) -> None:
        stop_process(self.process)
        if self.temporary:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_azurite(
    ports: AzuritePorts | None = None, location: Path | None = None, timeout: float = 30.0
) -> Azurite:
    """Start Azurite's services and wait until they listen.

    `ports` None takes free ports (queue and table; blob on any). `location`
    None keeps the data in memory; otherwise it is the data folder. The log is
    `azurite.log` in the data folder, or in a scratch folder removed at stop.
    """
    if not AZURITE.exists():
        raise LocalStackError("Azurite is not installed: run `make install` (it runs `npm ci`).")
    ports = ports or AzuritePorts(queue=free_port(), table=free_port())
    temporary = location is None
    workdir = Path(tempfile.mkdtemp(prefix="azurite-")) if location is None else location
    workdir.mkdir(parents=True, exist_ok=True)
    storage = ["--inMemoryPersistence"] if temporary else ["--location", str(workdir)]
    services = {"blob": ports.blob, "queue": ports.queue, "table": ports.table}
    argv = [str(AZURITE), "--silent", "--disableTelemetry", "--skipApiVersionCheck"]
    argv += ["--disableProductStyleUrl", *storage]
    for name, port in services.items():
        argv += [f"--{name}Host", LOOPBACK, f"--{name}Port", str(port)]
    azurite = Azurite(spawn(argv, workdir / "azurite.log"), ports, workdir, temporary)
    listening = [port for port in services.values() if port]
    try:
        wait_ready(
            azurite.process,
            lambda: all(port_busy(port) for port in listening),
            "Azurite",
            timeout,
            azurite.log_path,
        )
    except BaseException:  # Ctrl-C too: the child is in its own process group
        azurite.stop()
        raise
    return azurite


# The dev host


def isolated_env(**settings: str) -> dict[str, str]:
    """The app's environment for tests and the bench: ours without SHELL_SETTINGS, dev auth,
    then `settings`, then the schedule settings the app's timers need where still missing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SHELL_SETTINGS)}
    env["AUTH_MODE"] = "dev"
    env.update(settings)
    return with_schedule_defaults(env)


def launch_devhost(
    env: Mapping[str, str],
    port: int,
    log_path: Path | None,
    *,
    root: Path = ROOT,
    app: str = "function_app:app",
) -> subprocess.Popen[bytes]:
    """Start `python -m tools.devhost` on 127.0.0.1:`port` (host.json from `root`); at once."""
    argv = [sys.executable, "-m", "tools.devhost", "--app", app, "--port", str(port)]
    argv += ["--root", str(root)]
    return spawn(argv, log_path, {**env, "PYTHONUNBUFFERED": "1"})


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_devhost(
    proc: subprocess.Popen[bytes], port: int, log_path: Path | None = None, timeout: float = 60.0
) -> str:
    """The dev host's base URL once `GET /api/health` answers 200."""
    base = f"http://{LOOPBACK}:{port}"
    wait_ready(proc, lambda: _healthy(f"{base}/api/health"), "the dev host", timeout, log_path)
    return base


def start_devhost(
    env: Mapping[str, str], port: int, log_path: Path | None, *, root: Path = ROOT
) -> subprocess.Popen[bytes]:
    """Start the dev host serving function_app and wait for /api/health."""
    proc = launch_devhost(env, port, log_path, root=root)
    try:
        wait_devhost(proc, port, log_path)
    except BaseException:  # Ctrl-C too: the child is in its own process group
        stop_process(proc)
        raise
    return proc


# The Graph emulator

GRAPH_EMULATOR_PORT = 7072
GRAPH_EMULATOR_DIR = ROOT / ".local" / "graph-emulator"


@dataclass
class GraphEmulatorProcess:
    """A running `python -m tools.graph_emulator` and how to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    state_dir: Path
    log_path: Path | None

    @property
    def base_url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def ca_cert(self) -> Path:
        """The emulator's local CA alone (curl --cacert)."""
        return self.state_dir / "ca.pem"

    @property
    def ca_bundle(self) -> Path:
        """certifi's bundle plus the local CA (for clients that also reach the internet)."""
        return self.state_dir / "ca-bundle.pem"

    def settings(self) -> dict[str, str]:
        """The app settings that point its Graph adapter at this emulator."""
        return {
            "GRAPH_BASE_URL": self.base_url,
            "GRAPH_AUTHORITY_HOST": self.base_url,
            "GRAPH_CA_BUNDLE": str(self.ca_bundle),
            "GRAPH_CLIENT_ID": DEV_CLIENT_ID,
            "GRAPH_CLIENT_SECRET": DEV_CLIENT_SECRET,
        }

    def stop(self) -> None:
        stop_process(self.process)


def launch_graph_emulator(
    port: int, state_dir: Path, log_path: Path | None, *, seed: str = "demo", fresh: bool = False
) -> subprocess.Popen[bytes]:
    """Start `python -m tools.graph_emulator` on 127.0.0.1:`port`; at once."""
    argv = [sys.executable, "-m", "tools.graph_emulator", "--port", str(port)]
    argv += ["--state-dir", str(state_dir), "--seed", seed, *(["--fresh"] if fresh else [])]
    return spawn(argv, log_path, {**os.environ, "PYTHONUNBUFFERED": "1"})


def _graph_healthy(port: int, ca_cert: Path) -> bool:
    if not ca_cert.exists():
        return False
    try:
        context = ssl.create_default_context(cafile=str(ca_cert))
        handlers = (urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        opener = urllib.request.build_opener(*handlers)
        url = f"https://{LOOPBACK}:{port}/_emulator/health"
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, ssl.SSLError):
        return False


def start_graph_emulator(
    state_dir: Path,
    port: int | None = None,
    *,
    seed: str = "demo",
    fresh: bool = False,
    log_path: Path | None = None,
    timeout: float = 30.0,
) -> GraphEmulatorProcess:
    """Start the Graph emulator (a free port unless `port`) and wait until it answers over
    TLS. Its certificates and saved directory live in `state_dir`; its log is `log_path`,
    else `emulator.log` there."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = log_path or state_dir / "emulator.log"
    emulator = GraphEmulatorProcess(
        launch_graph_emulator(port, state_dir, log_path, seed=seed, fresh=fresh),
        port,
        state_dir,
        log_path,
    )
    try:
        wait_ready(
            emulator.process,
            lambda: _graph_healthy(port, emulator.ca_cert),
            "the Graph emulator",
            timeout,
            log_path,
        )
    except BaseException:  # Ctrl-C too: the child is in its own process group
        emulator.stop()
        raise
    return emulator


# A stack of services


class Service(Protocol):
    """One local service of a LocalStack."""

    name: str

    def start(self, settings: Mapping[str, str], /) -> Mapping[str, str]:
        """Start and wait until ready, given earlier services' settings; return its own."""
        ...

    def running(self) -> bool:
        """Whether its process is still alive."""
        ...

    def stop(self) -> None:
        """Stop it; safe to call when it never started or already stopped."""
        ...


@dataclass
class AzuriteService:
    """Azurite; adds `AzureWebJobsStorage`."""

    ports: AzuritePorts | None = None
    location: Path | None = None
    name: str = "Azurite"
    azurite: Azurite | None = field(default=None, init=False)

    def start(self, _settings: Mapping[str, str]) -> Mapping[str, str]:
        self.azurite = start_azurite(self.ports, self.location)
        return {"AzureWebJobsStorage": self.azurite.connection_string}

    def running(self) -> bool:
        return self.azurite is not None and self.azurite.process.poll() is None

    def stop(self) -> None:
        if self.azurite is not None:
            self.azurite.stop()


@dataclass
class DevHostService:
    """The dev host serving function_app; `environ` wins over the earlier services' settings."""

    port: int
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    log_path: Path | None = None
    name: str = "the dev host"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, settings: Mapping[str, str]) -> Mapping[str, str]:
        env = with_schedule_defaults({**settings, **self.environ})
        self.process = launch_devhost(env, self.port, self.log_path)
        wait_devhost(self.process, self.port, self.log_path)
        return {}

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@dataclass
class GraphEmulatorService:
    """The Graph emulator; adds the `GRAPH_*` settings that point the app at it."""

    port: int = GRAPH_EMULATOR_PORT
    state_dir: Path = GRAPH_EMULATOR_DIR
    log_path: Path | None = None
    seed: str = "demo"
    name: str = "the Graph emulator"
    emulator: GraphEmulatorProcess | None = field(default=None, init=False)

    def start(self, _settings: Mapping[str, str]) -> Mapping[str, str]:
        self.emulator = start_graph_emulator(
            self.state_dir, self.port, seed=self.seed, log_path=self.log_path
        )
        return self.emulator.settings()

    def running(self) -> bool:
        return self.emulator is not None and self.emulator.process.poll() is None

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()


class LocalStack:
    """Services started in order and stopped in reverse; also a context manager."""

    def __init__(self, *services: Service) -> None:
        self.services = services
        self.settings: dict[str, str] = {}
        self._started: list[Service] = []

    def start(self) -> dict[str, str]:
        """Start every service; on a failure stop those started and raise. Return the settings."""
        try:
            for service in self.services:
                self._started.append(service)
                self.settings.update(service.start(dict(self.settings)))
        except BaseException:
            self.stop()
            raise
        return dict(self.settings)

    def stopped(self) -> list[str]:
        """The names of started services whose process has exited."""
        return [service.name for service in self._started if not service.running()]

    def stop(self) -> None:
        """Stop the started services, last first."""
        while self._started:
            self._started.pop().stop()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
