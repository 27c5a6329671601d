"""Each operation through its function in-process (func.HttpRequest) and over HTTP (dev host),
side by side with the raw calls and the hand-built wire calls it needs, plus its storage
calls observed on the wire (how many, how deep, of which shape)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
import requests

from shared import bootstrap
from shared.adapters.tables.keys import COUNTS_KEY
from shared.domain.models import LicenseRequest
from tools.inprocess import registered

from .app import BenchTenant, Wired, setup_tenant, token
from .calls import summary
from .harness import Sizes, Stats, interleaved
from .raw import first_page, raw_cases
from .seed import seed_requests
from .wire import WireFloor

SUBMIT_BODY = json.dumps({"productId": "visio", "users": [{"email": "alex@contoso.com"}]}).encode()
COUNT_CALLS = 5  # calls per operation whose storage calls are observed (after one more)


@dataclass(frozen=True)
class Call:
    """One API call, as the function sees it and as a client sends it."""

    function: str
    method: str
    path: str
    token: str
    status: int = 200
    body: bytes = b""
    route: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


@dataclass
class Scene:
    """The tenants an operation series uses and the pending requests it may decide."""

    plain: BenchTenant
    notify: BenchTenant
    sample_id: str
    to_approve: Iterator[str]
    to_deny: Iterator[str]
    users: Iterator[int] = field(default_factory=itertools.count)

    def calls(self) -> dict[str, Callable[[], Call]]:
        """A fresh Call per operation each time (a new submitter, a new request to decide)."""
        t, n = self.plain, self.notify

        def submit(tenant: BenchTenant) -> Call:
            who = token(tenant.id, f"submitter{next(self.users)}@contoso.com")
            return Call("submit_request", "POST", "/api/requests", who, 201, SUBMIT_BODY)

        def decide(action: str, ids: Iterator[str]) -> Call:
            rid = next(ids)
            return Call(
                f"{action}_request",
                "POST",
                f"/api/requests/{rid}/{action}",
                t.admin_token,
                route={"id": rid},
            )

        sample = self.sample_id
        return {
            "submit": lambda: submit(t),
            "submit_notify": lambda: submit(n),
            "list": lambda: Call(
                "list_requests", "GET", "/api/requests", t.admin_token, params={"status": "pending"}
            ),
            "get": lambda: Call(
                "get_request", "GET", f"/api/requests/{sample}", t.admin_token, route={"id": sample}
            ),
            "approve": lambda: decide("approve", self.to_approve),
            "deny": lambda: decide("deny", self.to_deny),
            "settings": lambda: Call(
                "get_request_process", "GET", "/api/settings/request-process", t.admin_token
            ),
        }

    def observed_calls(self) -> dict[str, Callable[[], Call]]:
        """The timed operations and the other request paths whose storage calls are
        observed: the list's other views, my requests (of the first submitter) and products."""
        t = self.plain
        mine = token(t.id, "submitter0@contoso.com")

        def listing(view: str | None) -> Callable[[], Call]:
            params = {"status": view} if view else {}
            return lambda: Call(
                "list_requests", "GET", "/api/requests", t.admin_token, params=params
            )

        return {
            **self.calls(),
            "list_completed": listing("completed"),
            "list_all": listing("all"),
            "list_default": listing(None),
            "my_requests": lambda: Call("my_requests", "GET", "/api/me/requests", mine),
            "products": lambda: Call("list_products", "GET", "/api/products", t.admin_token),
        }


def make_scene(wired: Wired, prefix: str, decisions: int, threads: int) -> Scene:
    """Two tenants (with and without notifyAdmins), 200 background requests, and
    `decisions` pending requests each to approve and to deny."""
    plain = setup_tenant(wired.timed, f"{prefix}plain", notify=False)
    notify = setup_tenant(wired.timed, f"{prefix}notify", notify=True)
    now = datetime.now(UTC)
    retention = wired.settings.retention_period
    common: dict[str, Any] = {"retention": retention, "threads": threads}
    background = seed_requests(
        wired.writer, plain.id, 200, newest=now - timedelta(days=1), spacing=timedelta(minutes=5),
        first_index=1_000_000, **common,
    )  # fmt: skip
    seed_requests(
        wired.writer, notify.id, 60, newest=now - timedelta(days=1), spacing=timedelta(minutes=5),
        first_index=1_000_000, **common,
    )  # fmt: skip
    pending = seed_requests(
        wired.writer, plain.id, 2 * decisions, newest=now - timedelta(hours=1),
        spacing=timedelta(seconds=1), pending_every=1, **common,
    )  # fmt: skip
    ids = [s.request.id for s in pending]
    decided = next(s for s in background if s.request.status == "approved")
    return Scene(plain, notify, decided.request.id, iter(ids[:decisions]), iter(ids[decisions:]))


# ---- in-process and over HTTP ------------------------------------------------------------------


def functions() -> dict[str, Callable[[func.HttpRequest], func.HttpResponse]]:
    """The app's registered functions by name, as the host calls them."""
    return {f.get_function_name(): f.get_user_function() for f in registered()}


def http_request(call: Call) -> func.HttpRequest:
    """The call as the host hands it to the function."""
    return func.HttpRequest(
        call.method,
        f"http://localhost{call.path}",
        headers=call.headers(),
        params=call.params,
        route_params=call.route,
        body=call.body,
    )


def inprocess(call: Call) -> Callable[[], Any]:
    fn = functions()[call.function]
    request = http_request(call)

    def run() -> None:
        response = fn(request)
        if response.status_code != call.status:
            raise RuntimeError(f"{call.function}: {response.status_code} {response.get_body()!r}")

    return run


def over_http(session: requests.Session, base: str) -> Callable[[Call], Callable[[], Any]]:
    def prepare(call: Call) -> Callable[[], Any]:
        url = base + call.path + (f"?{urlencode(call.params)}" if call.params else "")
        headers = call.headers()

        def run() -> None:
            response = session.request(
                call.method, url, data=call.body or None, headers=headers, timeout=30
            )
            if response.status_code != call.status:
                raise RuntimeError(f"{call.function}: {response.status_code} {response.text}")

        return run

    return prepare


def series(
    scene: Scene, runner: Callable[[Call], Callable[[], Any]]
) -> dict[str, Callable[[int], Callable[[], Any]]]:
    calls = scene.calls()
    return {op: (lambda _i, make=make: runner(make())) for op, make in calls.items()}  # type: ignore[misc]


def time_inprocess_and_raw(
    wired: Wired, scene: Scene, sample: LicenseRequest, floor: WireFloor, sizes: Sizes
) -> dict[str, Stats]:
    """In-process operations, raw SDK calls and hand-built wire calls, interleaved round by
    round on the same table (CPU time measured alongside)."""
    bootstrap.override(wired.timed)
    try:
        cases = {
            **series(scene, inprocess),
            **raw_cases(wired, scene.plain.id, sample),
            **floor.cases(),
        }
        return interleaved(cases, sizes.iterations, sizes.warmup)
    finally:
        bootstrap.override(None)


def time_http(scene: Scene, base: str, sizes: Sizes) -> dict[str, Stats]:
    with requests.Session() as session:
        return interleaved(
            series(scene, over_http(session, base)), sizes.http_iterations, sizes.warmup
        )


def observe_operations(wired: Wired, scene: Scene) -> dict[str, dict[str, Any]]:
    """Each operation's storage calls (tables and queue) as the request hooks see them:
    count, depth, shapes (bench.calls). One call first (reported as `first_call`: the
    first submit of a day also indexes the day), then COUNT_CALLS observed ones."""
    recorder = wired.recorder
    executor = wired.counted.service.context.executor
    assert executor is not None, "the app's read pool"
    bootstrap.override(wired.counted)
    observed: dict[str, dict[str, Any]] = {}
    try:
        with recorder.tracking(executor):
            for op, make in scene.observed_calls().items():
                first = recorder.observe(inprocess(make()))
                seen = [recorder.observe(inprocess(make())) for _ in range(COUNT_CALLS)]
                observed[op] = {
                    **summary(seen),
                    "first_call": {"count": first.count, "shapes": first.shapes()},
                }
    finally:
        bootstrap.override(None)
    return observed


# ---- list one page among 10,000 ----------------------------------------------------------------


@dataclass(frozen=True)
class ListTenant:
    """The tenant of N requests (90% completed) the list, search, sort and export use."""

    tenant: BenchTenant
    requests: list[LicenseRequest]  # newest first

    @property
    def info(self) -> dict[str, Any]:
        pending = sum(1 for r in self.requests if r.status == "pending")
        return {
            "requests": len(self.requests),
            "pending": pending,
            "completed": len(self.requests) - pending,
        }


def seed_list_tenant(wired: Wired, sizes: Sizes) -> ListTenant:
    """N requests over 29 days (one in ten pending), newest a minute old."""
    tenant = setup_tenant(wired.timed, "listbig", notify=False)
    count = sizes.list_requests
    seeded = seed_requests(
        wired.writer,
        tenant.id,
        count,
        newest=datetime.now(UTC) - timedelta(minutes=1),
        spacing=timedelta(days=29) / count,
        retention=wired.settings.retention_period,
        threads=sizes.seed_threads,
    )
    return ListTenant(tenant, [s.request for s in seeded])


def time_list_10k(wired: Wired, sizes: Sizes, listing: ListTenant) -> dict[str, Stats]:
    """status=pending (and, for comparison, completed and all) in the list tenant, against
    one raw 50-row page query of the same partition (and, alongside, the raw point read of
    the tenant's counts row that every list makes beside its page since issue 16)."""
    tenant = listing.tenant
    table = wired.table

    def listing_of(view: str) -> Callable[[int], Callable[[], Any]]:
        call = Call(
            "list_requests", "GET", "/api/requests", tenant.admin_token, params={"status": view}
        )
        return lambda _i: inprocess(call)

    def raw_page(low: str, high: str) -> Callable[[int], Callable[[], Any]]:
        return lambda _i: lambda: first_page(table, tenant.id, low, high)

    bootstrap.override(wired.timed)
    try:
        return interleaved(
            {
                "list_pending": listing_of("pending"),
                "raw_page_pending": raw_page("L|pending|", "L|pending}"),
                "list_completed": listing_of("completed"),
                "list_all": listing_of("all"),
                "raw_page_requests": raw_page("R|", "R}"),
                "raw_counts_read": lambda _i: lambda: table.get_entity(tenant.id, COUNTS_KEY),
            },
            sizes.iterations,
            sizes.warmup,
        )
    finally:
        bootstrap.override(None)
