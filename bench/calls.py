"""Storage calls seen on the wire: what each is (tools.query_shapes), how many, how deep.

A `Recorder.hook` is the request hook of the app's table store (the SDK's
`raw_request_hook`, which the store's lean wire calls too) and of its queue clients. It
keeps each call's method and URL, and the call's *level*: 1 + the level of the calls
whose answers the code that made it had waited for. Levels follow the code's own
hand-offs: `Recorder.tracking(executor)` wraps the read pool the app starts side-by-side
calls on (a task starts at its submitter's level; waiting for its result raises the
waiter's level to the task's). The depth of an operation is its highest level: calls
started side by side count once, however fast the machine, with no latency added.
A call made on a thread the recorder does not follow is counted as `untracked` (at
level 1), so a new kind of concurrency in the app shows up instead of hiding.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tools.query_shapes import PARTITION_SCAN, TABLE_SCAN, classify, table_of

TRANSACTION, QUEUE_PUT, WRITE = "transaction", "queue put", "write"
SCANS = (PARTITION_SCAN, TABLE_SCAN)
# The order shapes are reported in.
SHAPES = ("point", "range", PARTITION_SCAN, TABLE_SCAN, TRANSACTION, WRITE, QUEUE_PUT)


@dataclass(frozen=True)
class Seen:
    """One storage call."""

    method: str
    url: str
    level: int
    tracked: bool

    @property
    def kind(self) -> str:
        """point / range / partition scan / table scan (table reads), transaction, write
        (one entity), queue put, or `queue <METHOD>`."""
        path = unquote(urlsplit(self.url).path)
        if path.endswith("/messages"):
            return QUEUE_PUT if self.method == "POST" else f"queue {self.method}"
        if path.endswith("$batch"):
            return TRANSACTION
        if self.method == "GET":
            return classify(self.url)
        return WRITE

    @property
    def is_table_query(self) -> bool:
        """A read of a table (a point read or a query)."""
        return self.method == "GET" and not unquote(urlsplit(self.url).path).endswith("/messages")

    @property
    def table(self) -> str:
        return table_of(self.url)

    def describe(self) -> str:
        """'range (benchops): PartitionKey eq … and …' for reads, the kind otherwise."""
        if not self.is_table_query:
            return self.kind
        where = parse_qs(urlsplit(self.url).query).get("$filter", [""])[0]
        return f"{self.kind} ({self.table})" + (f": {where}" if where else "")


@dataclass
class Observed:
    """The calls of one operation call."""

    calls: list[Seen]

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def depth(self) -> int:
        return max((c.level for c in self.calls), default=0)

    @property
    def scans(self) -> int:
        return sum(1 for c in self.calls if c.kind in SCANS)

    @property
    def table_queries(self) -> int:
        return sum(1 for c in self.calls if c.is_table_query)

    @property
    def untracked(self) -> int:
        return sum(1 for c in self.calls if not c.tracked)

    def shapes(self) -> dict[str, int]:
        """How many calls of each kind, in SHAPES order (kinds seen only)."""
        counted = Counter(c.kind for c in self.calls)
        order = [k for k in SHAPES if k in counted] + sorted(set(counted) - set(SHAPES))
        return {k: counted[k] for k in order}

    def by_level(self) -> list[list[str]]:
        """The calls' kinds, wave by wave (level 1 first)."""
        waves: list[list[str]] = [[] for _ in range(self.depth)]
        for c in self.calls:
            waves[c.level - 1].append(c.kind)
        return [sorted(w) for w in waves]


@dataclass
class Recorder:
    """Storage calls seen by the request hooks, with their levels (see the module doc)."""

    calls: list[Seen] = field(default_factory=list)
    recording: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _flow: threading.local = field(default_factory=threading.local, repr=False)

    def hook(self, request: Any) -> None:
        """The request hook: the SDK's pipeline request, or the lean wire's equivalent."""
        if not self.recording:
            return
        http = request.http_request
        level = getattr(self._flow, "level", None)
        tracked = level is not None
        mine = (level or 0) + 1
        if tracked:
            self._flow.level = mine  # this flow waits for the answer before going on
        with self._lock:
            self.calls.append(Seen(http.method, http.url, mine, tracked))

    def start(self) -> None:
        """The calling thread begins an operation: level 0, nothing recorded yet."""
        self._flow.level = 0
        with self._lock:
            self.calls = []
            self.recording = True

    def take(self) -> Observed:
        """The calls since `start` (or the last `take`)."""
        with self._lock:
            taken, self.calls = self.calls, []
        return Observed(taken)

    def stop(self) -> None:
        """Recording ends; the calling thread is no longer followed."""
        self._flow.level = None
        with self._lock:
            self.recording = False

    def observe(self, run: Callable[[], Any]) -> Observed:
        """Run one operation on this thread; the calls it made."""
        self.start()
        try:
            run()
        finally:
            self.stop()
        return self.take()

    @contextmanager
    def tracking(self, executor: Executor) -> Iterator[None]:
        """Follow the hand-offs through `executor` (its `submit`, and the futures' `result`)."""
        real = executor.submit
        flow = self._flow

        def submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            parent = getattr(flow, "level", None)
            finished = [parent]

            def task() -> Any:
                flow.level = parent
                try:
                    return fn(*args, **kwargs)
                finally:
                    finished[0] = flow.level
                    flow.level = None

            future = real(task)
            result = future.result

            def joined(timeout: float | None = None) -> Any:
                value = result(timeout)
                mine, theirs = getattr(flow, "level", None), finished[0]
                if mine is not None and theirs is not None:
                    flow.level = max(mine, theirs)
                return value

            future.result = joined  # type: ignore[method-assign]
            return future

        executor.submit = submit  # type: ignore[method-assign]
        try:
            yield
        finally:
            del executor.submit  # the class's own again


def summary(observed: list[Observed]) -> dict[str, Any]:
    """Several calls of one operation: max count, depth and scans, and the last call's
    shapes, waves and reads."""
    last = observed[-1]
    return {
        "count": max(o.count for o in observed),
        "depth": max(o.depth for o in observed),
        "scans": max(o.scans for o in observed),
        "per_call": [o.count for o in observed],
        "depth_per_call": [o.depth for o in observed],
        "shapes": last.shapes(),
        "waves": last.by_level(),
        "untracked_calls": sum(o.untracked for o in observed),
        "reads": [c.describe() for c in last.calls if c.is_table_query],
        "scan_urls": sorted({c.url for o in observed for c in o.calls if c.kind in SCANS}),
    }
