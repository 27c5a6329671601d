"""The Requests list's search and oldest-first order, and the CSV export, in the list
tenant of 10,000 requests (issue 16).

Without `q` and `sort` a page is one range query of the view's rows. A search reads the
view's retained rows and filters them in the app (Table Storage has no text match), and
oldest first reads the whole retained range and turns it (no reverse order): so each list
here is reported with what it read, next to the default lists: storage calls, pages (the
table queries over the view's range) and rows the table returned, counted on the wire by
the counted container; and its time, in-process, interleaved round by round.

The export (`GET /api/requests/export`, every retained request, one CSV row per user) is
timed in-process the same way; its memory is tracemalloc's peak during one call (the
function joins the CSV into one body, as the Functions worker sends bodies whole) and,
for the app's own part, during one pass over the service's CSV chunks as a streaming host
would take them, each at the whole history and at a tenth of it.
"""

from __future__ import annotations

import json
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import azure.functions as func

from shared import bootstrap

from .app import Wired
from .harness import Sizes, interleaved, median, result, timed
from .operations import Call, ListTenant, functions, http_request

MIB = 1024 * 1024
# The export's part of the history holds this many requests at least: the app reads 1,000
# rows a page, so below a page memory would follow the rows read.
PART_REQUESTS = 1_000
# "Constant memory": streaming the whole history's CSV may not take more than this
# times the peak of streaming a part of it.
MEMORY_GROWTH_TARGET = 1.5


def variants(listing: ListTenant) -> dict[str, dict[str, str]]:
    """The lists compared: the default ones, a search for one requester (every retained
    row read: at most one hit), a search every request matches (the first page of the
    range is enough), and oldest first."""
    pending = next(
        r for r in listing.requests[len(listing.requests) // 2 :] if r.status == "pending"
    )
    one = pending.requester.email
    return {
        "pending": {"status": "pending"},
        "default": {},  # the tenant's default view: all (it uses no own process)
        "search_one": {"q": one},
        "search_one_pending": {"status": "pending", "q": one},
        "search_every": {"q": "visio"},
        "oldest_first": {"sort": "createdAt"},
        "oldest_first_pending": {"status": "pending", "sort": "createdAt"},
    }


def _list_call(listing: ListTenant, params: dict[str, str]) -> Call:
    return Call("list_requests", "GET", "/api/requests", listing.tenant.admin_token, params=params)


@contextmanager
def rows_returned(wired: Wired) -> Iterator[list[int]]:
    """The entities the table returns to each of the counted container's queries (its lean
    wire's GETs of `table()?$filter=…`, one page each), while in the block."""
    wire: Any = wired.counted.store.requests._wire
    real = wire._send
    tally: list[int] = []
    lock = threading.Lock()

    def send(
        method: str, url: str, body: bytes | None = None, extra: dict[str, str] | None = None
    ) -> tuple[int, Any, str]:
        status, headers, text = real(method, url, body, extra)
        if method == "GET" and "()?" in url and status == 200:
            with lock:
                tally.append(len(json.loads(text).get("value", [])))
        return status, headers, text

    wire._send = send
    try:
        yield tally
    finally:
        del wire._send  # the class's own again


def observe(wired: Wired, call: Call) -> tuple[dict[str, Any], func.HttpResponse]:
    """One call on the counted container: its storage calls, the rows they returned."""
    recorder = wired.recorder
    executor = wired.counted.service.context.executor
    assert executor is not None, "the app's read pool"
    fn, request = functions()[call.function], http_request(call)
    answer: list[func.HttpResponse] = []
    bootstrap.override(wired.counted)
    try:
        with recorder.tracking(executor), rows_returned(wired) as rows:
            seen = recorder.observe(lambda: answer.append(fn(request)))
    finally:
        bootstrap.override(None)
    response = answer[0]
    if response.status_code != call.status:
        raise RuntimeError(f"{call.function}: {response.status_code} {response.get_body()!r}")
    return {
        "rows_read": sum(rows),
        "pages": len(rows),
        "rows_by_page": rows,
        "calls": seen.count,
        "depth": seen.depth,
        "shapes": seen.shapes(),
        "untracked_calls": seen.untracked,
    }, response


def lists(wired: Wired, sizes: Sizes, listing: ListTenant) -> dict[str, Any]:
    """Each list variant: what it read (one observed call) and its time (interleaved)."""
    calls = {name: _list_call(listing, params) for name, params in variants(listing).items()}
    read: dict[str, dict[str, Any]] = {}
    for name, call in calls.items():
        figures, response = observe(wired, call)
        body = json.loads(response.get_body())
        read[name] = {**figures, "items": len(body["items"]), "more": bool(body["nextCursor"])}

    def case(call: Call) -> Callable[[int], Callable[[], Any]]:
        fn, request = functions()[call.function], http_request(call)
        return lambda _i: lambda: fn(request)

    bootstrap.override(wired.timed)
    try:
        stats = interleaved(
            {name: case(call) for name, call in calls.items()}, sizes.history_rounds, 1
        )
    finally:
        bootstrap.override(None)
    out: dict[str, Any] = {}
    for name, call in calls.items():
        out[f"list_10k.{name}"] = {
            "value": read[name]["rows_read"],
            "info": True,
            "params": call.params,
            **read[name],
            "median_ms": round(stats[name].median, 2),
            "p95_ms": round(stats[name].p95, 2),
            "n": stats[name].n,
            "requests": len(listing.requests),
        }
    return out


def _peak(run: Callable[[], Any]) -> tuple[Any, int]:
    """What `run` returns, and tracemalloc's peak of the memory allocated while it ran."""
    tracemalloc.start()
    try:
        value = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, peak


def export(wired: Wired, sizes: Sizes, listing: ListTenant) -> dict[str, Any]:
    """The CSV export of the whole history: time, response size, peak memory, rows read;
    and the memory of the same at a part of the history (the newest tenth, at least
    PART_REQUESTS requests), whose peak the whole history's must not outgrow."""
    tenant = listing.tenant
    whole = Call("export_requests", "GET", "/api/requests/export", tenant.admin_token)
    part_size = min(len(listing.requests), max(len(listing.requests) // 10, PART_REQUESTS))
    # The requests created since the part's oldest one (ids: millisecond creation times).
    since = listing.requests[part_size - 1].created_at - timedelta(microseconds=500)
    part = Call(
        "export_requests",
        "GET",
        "/api/requests/export",
        tenant.admin_token,
        params={"from": since.isoformat()},
    )
    figures, _ = observe(wired, whole)
    service = wired.timed.service

    def streamed(created_from: datetime | None) -> int:
        # The service's CSV chunks as a streaming host would send them: none kept.
        chunks = service.export(tenant.admin, "all", created_from, None)
        return sum(len(c.encode()) for c in chunks)

    fn = functions()[whole.function]
    bootstrap.override(wired.timed)
    try:
        body = _body(fn, whole)  # warm-up; the body checked
        times = [timed(lambda: _body(fn, whole)) for _ in range(sizes.history_rounds)]
        _, peak = _peak(lambda: _body(fn, whole))
        part_body, part_peak = _peak(lambda: _body(fn, part))
        _, stream_part_peak = _peak(lambda: streamed(since))
        _, stream_peak = _peak(lambda: streamed(None))
    finally:
        bootstrap.override(None)
    rows = _csv_rows(body)
    users = sum(len(r.users) for r in listing.requests)
    part_users = sum(len(r.users) for r in listing.requests[:part_size])
    if rows != users or _csv_rows(part_body) != part_users:
        raise RuntimeError(
            f"export: {rows} CSV rows for {users} users, "
            f"{_csv_rows(part_body)} for {part_users} in the part"
        )
    median_ms = median(times)
    common = {
        "requests": len(listing.requests),
        "csv_rows": rows,
        "response_bytes": len(body),
        "rows_read": figures["rows_read"],
        "pages": figures["pages"],
        "calls": figures["calls"],
    }
    part_figures = {"requests": part_size, "csv_rows": part_users, "response_bytes": len(part_body)}
    return {
        "export_10k.median_ms": {
            "value": round(median_ms, 1),
            "info": True,
            **common,
            "ms": [round(t, 1) for t in times],
            "ms_per_request": round(median_ms / len(listing.requests), 4),
        },
        "export_10k.peak_mib": {
            "value": round(peak / MIB, 2),
            "info": True,
            **common,
            "peak_bytes": peak,
            "part": {**part_figures, "peak_bytes": part_peak},
        },
        "export_10k.memory_growth": result(
            stream_peak / stream_part_peak,
            MEMORY_GROWTH_TARGET,
            digits=2,
            streamed_peak_bytes=stream_peak,
            part_streamed_peak_bytes=stream_part_peak,
            requests=len(listing.requests),
            part=part_figures,
        ),
    }


def _body(fn: Callable[[func.HttpRequest], func.HttpResponse], call: Call) -> bytes:
    response = fn(http_request(call))
    if response.status_code != 200:
        raise RuntimeError(f"export: {response.status_code} {response.get_body()[:300]!r}")
    return response.get_body()


def _csv_rows(body: bytes) -> int:
    """Records of a CSV body, the header aside (no value of the bench's holds a newline)."""
    return body.count(b"\r\n") - 1
