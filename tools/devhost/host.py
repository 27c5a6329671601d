"""DevHost: wires the registry, HTTP server, timers and queue listeners together."""

from __future__ import annotations

import functools
import logging
import os
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from azure.functions.queue import QueueMessage as FunctionQueueMessage

from .host_config import ConfigError, HostConfig, load_host_config
from .http_server import FunctionHttpServer, HttpDispatcher, describe_methods
from .invoker import Invoker
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


class DevHostError(RuntimeError):
    """The host cannot start: bad configuration, a bad binding or a busy port."""


def route_template(prefix: str, route: str) -> str:
    """The full template a function answers on, e.g. `api` + `items/{id}`."""
    route = route.removeprefix("~").strip("/")
    return "/".join(part for part in (prefix.strip("/"), route) if part)


class DevHost:
    """A local Functions host for one app: `start()` returns at once, `stop()` ends everything.

    The app's function list is read here, once (the SDK refuses a second
    read). App settings (`%NAME%`, connections) are read from `environ`, or
    os.environ, at `start()`; load local.settings.json before that.
    """

    def __init__(
        self,
        app: FunctionSource,
        root: str | os.PathLike[str] = ".",
        host: str = "127.0.0.1",
        port: int = 7071,
        *,
        verbose: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self._requested_port = port
        self._verbose = verbose
        self._environ = environ
        try:
            self.config: HostConfig = load_host_config(self.root)
            self.registry: Registry = read_registry(app, self._env)
        except (ConfigError, RegistryError) as exc:
            raise DevHostError(str(exc)) from exc
        self._stop_event = threading.Event()
        self._invoker = Invoker(str(self.root))
        self._http: FunctionHttpServer | None = None
        self._timers: list[TimerRunner] = []
        self._queues: list[QueueListener] = []
        self._lines: list[str] = []
        self._started = False

    @property
    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why some functions are not hosted (unsupported triggers or bindings, disabled)."""
        return self.registry.skipped

    @property
    def port(self) -> int:
        """The bound port (after start), else the one asked for."""
        return self._http.port if self._http is not None else self._requested_port

    @property
    def url(self) -> str:
        """Base URL of the HTTP server, e.g. `http://127.0.0.1:7071`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def describe(self) -> list[str]:
        """One line per hosted function (name, trigger, route/schedule/queue); after start."""
        return list(self._lines)

    def _build_router(self) -> Router[HttpFunction]:
        router: Router[HttpFunction] = Router()
        for fn in self.registry.of_type(HttpFunction):
            template = route_template(self.config.route_prefix, fn.route)
            try:
                router.add(template, fn.methods, fn)
            except RouteError as exc:
                raise DevHostError(f"function {fn.name!r}: {exc}") from exc
        return router

    def _build_timers(self) -> list[TimerRunner]:
        runners = []
        for fn in self.registry.of_type(TimerFunction):
            try:
                schedule = parse_schedule(fn.schedule, fn.name, self._env)
            except ConfigError as exc:
                raise DevHostError(str(exc)) from exc
            runners.append(TimerRunner(fn, schedule, self._invoker, self._stop_event))
        return runners

    def _build_queues(self) -> list[QueueListener]:
        listeners = []
        for fn in self.registry.of_type(QueueFunction):
            try:
                name = resolve_queue_name(fn, self._env)
                connection = resolve_connection(fn, self._env)
                listeners.append(
                    QueueListener(
                        fn, name, connection, self.config.queues, self._invoker, self._stop_event
                    )
                )
            except ConfigError as exc:
                raise DevHostError(str(exc)) from exc
        return listeners

    def _describe_lines(self, router_base: str) -> list[str]:
        timers = {runner.fn.name: runner for runner in self._timers}
        queues = {listener.fn.name: listener for listener in self._queues}
        lines = []
        for fn in self.registry.functions:
            if isinstance(fn, HttpFunction):
                template = route_template(self.config.route_prefix, fn.route)
                detail = f"[{describe_methods(fn.methods)}] {router_base}/{template}"
                lines.append(f"{fn.name}: httpTrigger {detail}")
            elif isinstance(fn, TimerFunction):
                schedule = timers[fn.name].schedule.expression
                origin = f" (from {fn.schedule})" if schedule != fn.schedule.strip() else ""
                startup = " runOnStartup" if fn.run_on_startup else ""
                lines.append(f"{fn.name}: timerTrigger schedule {schedule}{origin}{startup}")
            else:
                listener = queues[fn.name]
                lines.append(
                    f"{fn.name}: queueTrigger queue {listener.queue_name} "
                    f"(connection {fn.connection})"
                )
        return lines

    def start(self) -> None:
        """Validate every binding, then start serving; raises DevHostError and starts nothing."""
        if self._started:
            raise DevHostError("this DevHost was already started")
        for warning in self.registry.skipped:
            log.warning("%s", warning)
        router = self._build_router()
        self._timers = self._build_timers()
        self._queues = self._build_queues()
        dispatcher = HttpDispatcher(
            router, self._invoker, self._admin_invoke, verbose=self._verbose
        )
        try:
            self._http = FunctionHttpServer(self.host, self._requested_port, dispatcher)
        except OSError as exc:
            raise DevHostError(
                f"cannot listen on {self.host}:{self._requested_port}: {exc}"
            ) from exc
        self._started = True
        self._lines = self._describe_lines(self.url)
        self._http.start()
        for runner in self._timers:
            runner.start()
        for listener in self._queues:
            listener.start()

    def stop(self) -> None:
        """Stop the HTTP server, timers and queue listeners; safe to call more than once."""
        self._stop_event.set()
        if not self._started:
            self._invoker.stop()
            return
        if self._http is not None:
            self._http.stop()
            self._http = None
        for runner in self._timers:
            runner.join(STOP_TIMEOUT_SECONDS)
        for listener in self._queues:
            listener.join(STOP_TIMEOUT_SECONDS)
        self._invoker.stop()

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
                    target=functools.partial(runner.invoke, False, "Manually triggered"),
                    daemon=True,
                ).start()
                return True
        for listener in self._queues:
            if listener.fn.name.lower() == wanted:
                fn = listener.fn
                threading.Thread(target=self._run_queue_input, args=(fn, text), daemon=True).start()
                return True
        return False

    def _run_queue_input(self, fn: QueueFunction, text: str) -> None:
        message = FunctionQueueMessage(  # type: ignore[no-untyped-call]
            id=str(uuid.uuid4()), body=text.encode("utf-8"), dequeue_count=1
        )
        try:
            self._invoker.invoke(fn, message)
        except Exception:
            log.exception("Executed 'Functions.%s' (Failed, manually triggered)", fn.name)
