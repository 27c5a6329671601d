"""DevHost: wires the registry, HTTP server, timers and queue listeners together."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from azure.functions.queue import QueueMessage as FunctionQueueMessage

from .host_config import ConfigError, HostConfig, load_host_config
from .http_server import FunctionHttpServer, HttpDispatcher
from .queues import QueueListener, resolve_connection, resolve_queue_name
from .registry import (
    FunctionSource,
    HttpFunction,
    QueueFunction,
    Registry,
    RegistryError,
    TimerFunction,
    read_registry,
)
from .routing import RouteError, Router
from .timers import TimerRunner, parse_schedule

log = logging.getLogger("devhost")

STOP_TIMEOUT_SECONDS = 10.0


def master_key(root: Path) -> str:
    """The dev host's master key, created once in `<root>/.local/devhost-master-key`."""
    path = root / ".local" / "devhost-master-key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key + "\n", encoding="utf-8")
        path.chmod(0o600)
        return key


class DevHostError(RuntimeError):
    """The host cannot start: bad configuration, a bad binding or a busy port."""


def route_template(prefix: str, route: str) -> str:
    """The full template a function answers on, e.g. `api` + `items/{id}`."""
    return "/".join(part for part in (prefix.strip("/"), route.strip("/")) if part)


class DevHost:
    """A local Functions host for one app on 127.0.0.1: `start()` returns at once, `stop()`
    ends everything.

    The app's function list is read here, once (the SDK refuses a second
    read). App settings (`%NAME%`, connections) are read from `environ`, or
    os.environ, at `start()`; load local.settings.json before that.
    """

    def __init__(
        self,
        app: FunctionSource,
        root: str | os.PathLike[str] = ".",
        port: int = 7071,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self._requested_port = port
        self._env = os.environ if environ is None else environ
        try:
            self.config: HostConfig = load_host_config(self.root)
            self.registry: Registry = read_registry(app)
        except (ConfigError, RegistryError) as exc:
            raise DevHostError(str(exc)) from exc
        # The admin API's key: DEVHOST_MASTER_KEY, else one kept in .local/ across runs.
        self.master_key = self._env.get("DEVHOST_MASTER_KEY") or master_key(self.root)
        self._stop_event = threading.Event()
        self._http: FunctionHttpServer | None = None
        self._timers: list[TimerRunner] = []
        self._queues: list[QueueListener] = []
        self._lines: list[str] = []

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why some functions are not hosted (unsupported triggers or bindings)."""
        return self.registry.skipped

    @property
    def port(self) -> int:
        """The bound port (after start), else the one asked for."""
        return self._http.port if self._http is not None else self._requested_port

    @property
    def url(self) -> str:
        """Base URL of the HTTP server, e.g. `http://127.0.0.1:7071`."""
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> list[str]:
        """One line per hosted function (name, trigger, route/schedule/queue); after start."""
        return list(self._lines)

    def _build(self) -> Router[HttpFunction]:
        """Check every binding; build the router, timers and queue listeners in that order."""
        router: Router[HttpFunction] = Router()
        try:
            for fn in self.registry.functions:
                if isinstance(fn, HttpFunction):
                    template = route_template(self.config.route_prefix, fn.route)
                    router.add(template, fn.methods, fn)
                elif isinstance(fn, TimerFunction):
                    schedule = parse_schedule(fn.schedule, fn.name, self._env)
                    self._timers.append(TimerRunner(fn, schedule, self._stop_event))
                else:
                    name = resolve_queue_name(fn, self._env)
                    connection = resolve_connection(fn, self._env)
                    self._queues.append(
                        QueueListener(fn, name, connection, self.config.queues, self._stop_event)
                    )
        except RouteError as exc:
            raise DevHostError(f"function {fn.name!r}: {exc}") from exc
        except ConfigError as exc:  # its message names the function already
            raise DevHostError(str(exc)) from exc
        return router

    def _describe_lines(self) -> list[str]:
        timers, queues = iter(self._timers), iter(self._queues)
        lines = []
        for fn in self.registry.functions:
            if isinstance(fn, HttpFunction):
                methods = ",".join(sorted(fn.methods)) if fn.methods else "*"
                template = route_template(self.config.route_prefix, fn.route)
                lines.append(f"{fn.name}: httpTrigger [{methods}] {self.url}/{template}")
            elif isinstance(fn, TimerFunction):
                origin = f" (from {fn.schedule})" if "%" in fn.schedule else ""
                expression = next(timers).schedule.expression
                lines.append(f"{fn.name}: timerTrigger schedule {expression}{origin}")
            else:
                queue = next(queues).queue_name
                lines.append(f"{fn.name}: queueTrigger queue {queue} (connection {fn.connection})")
        return lines

    def start(self) -> None:
        """Validate every binding, then start serving; raises DevHostError and starts nothing."""
        if self._http is not None or self._stop_event.is_set():
            raise DevHostError("this DevHost was already started")
        for warning in self.registry.skipped:
            log.warning("%s", warning)
        router = self._build()
        try:
            self._http = FunctionHttpServer(
                self._requested_port,
                HttpDispatcher(router, self._admin_invoke, self.master_key),
            )
        except OSError as exc:
            raise DevHostError(f"cannot listen on 127.0.0.1:{self._requested_port}: {exc}") from exc
        self._lines = self._describe_lines()
        self._http.start()
        for runner in self._timers:
            runner.start()
        for listener in self._queues:
            listener.start()

    def stop(self) -> None:
        """Stop the HTTP server, timers and queue listeners; safe to call more than once."""
        self._stop_event.set()
        if self._http is not None:
            self._http.stop()
        for runner in self._timers:
            runner.join(STOP_TIMEOUT_SECONDS)
        for listener in self._queues:
            listener.join(STOP_TIMEOUT_SECONDS)

    def __enter__(self) -> DevHost:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _admin_invoke(self, name: str, text: str) -> bool:
        """Run a timer or queue function now, in the background (Core Tools' admin API)."""
        wanted = name.lower()
        for runner in self._timers:
            if runner.fn.name.lower() == wanted:
                threading.Thread(
                    target=runner.invoke, args=(False, "Manually triggered"), daemon=True
                ).start()
                return True
        for listener in self._queues:
            if listener.fn.name.lower() == wanted:
                threading.Thread(
                    target=_run_queue_input, args=(listener.fn, text), daemon=True
                ).start()
                return True
        return False


def _run_queue_input(fn: QueueFunction, text: str) -> None:
    message = FunctionQueueMessage(  # type: ignore[no-untyped-call]
        id=str(uuid.uuid4()), body=text.encode("utf-8"), dequeue_count=1
    )
    try:
        fn.invoke(message)
    except Exception:
        log.exception("Executed 'Functions.%s' (Failed, manually triggered)", fn.name)
