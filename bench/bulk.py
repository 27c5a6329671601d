"""Bulk decisions (issue 16): approving 100 requests in one `POST /api/requests/decisions`
against 100 single approvals (`POST /api/requests/{id}/approve`), in one run.

Both sides go in-process through the registered functions (bench.operations), as
Global admin, in one tenant whose product has seats for all, on pending 2-user requests
seeded up front: 2 x 100 per round, handed out alternately so both sides decide requests
of the same ages, both oldest first (the order the bulk call decides in). Rounds alternate
which side goes first; a small round first warms both up; medians over rounds. One more
round on the counted container gives each side's storage calls (bench.calls): count and
depth, where the 100 single approvals are one after the other, as an admin clicks them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import bootstrap

from .app import BenchTenant, Wired, setup_tenant
from .calls import Observed
from .harness import Sizes, median, result, timed_cpu
from .operations import Call, functions, http_request, inprocess
from .seed import seed_requests

WARMUP = 10  # requests per side in the untimed first round
# A bulk approval decides each request exactly as a single approval does, in one
# invocation: per request it must cost no more than a single approval (noise aside).
TARGET = 1.1


def bulk_approval(tenant: BenchTenant, ids: list[str]) -> Callable[[], Any]:
    """One bulk call approving `ids`; every one must come back 200."""
    body = json.dumps({"ids": ids, "action": "approve"}).encode()
    call = Call("decide_many", "POST", "/api/requests/decisions", tenant.admin_token, body=body)
    fn, request = functions()[call.function], http_request(call)

    def run() -> None:
        response = fn(request)
        results = json.loads(response.get_body())["results"] if response.status_code == 200 else []
        refused = [r for r in results if r["status"] != 200]
        if response.status_code != 200 or len(results) != len(ids) or refused:
            raise RuntimeError(
                f"decide_many: {response.status_code} {refused[:2] or response.get_body()[:300]!r}"
            )

    return run


def single_approvals(tenant: BenchTenant, ids: list[str]) -> Callable[[], Any]:
    """`ids` approved one call each, oldest first (ids sort newest first)."""
    runs = [
        inprocess(
            Call(
                "approve_request",
                "POST",
                f"/api/requests/{rid}/approve",
                tenant.admin_token,
                route={"id": rid},
            )
        )
        for rid in sorted(ids, reverse=True)
    ]

    def run() -> None:
        for one in runs:
            one()

    return run


def _calls(seen: Observed, n: int) -> dict[str, Any]:
    return {
        "calls": seen.count,
        "depth": seen.depth,
        "calls_per_request": round(seen.count / n, 2),
        "depth_per_request": round(seen.depth / n, 2),
        "shapes": seen.shapes(),
        "scans": seen.scans,
        "untracked_calls": seen.untracked,
    }


def run(wired: Wired, sizes: Sizes) -> dict[str, Any]:
    n, rounds = sizes.bulk_requests, sizes.bulk_rounds
    tenant = setup_tenant(wired.timed, "bulk", notify=False)
    sides = [WARMUP] + [n] * (rounds + 1)  # warm-up, timed rounds, the counted round
    seeded = seed_requests(
        wired.writer,
        tenant.id,
        2 * sum(sides),
        newest=datetime.now(UTC) - timedelta(hours=1),
        spacing=timedelta(seconds=1),
        pending_every=1,
        retention=wired.settings.retention_period,
        threads=sizes.seed_threads,
    )
    ids = [s.request.id for s in seeded]
    pairs: list[tuple[list[str], list[str]]] = []
    for size in sides:
        chunk, ids = ids[: 2 * size], ids[2 * size :]
        pairs.append((chunk[0::2], chunk[1::2]))

    ms: dict[str, list[float]] = {"bulk": [], "single": []}
    cpu: dict[str, list[float]] = {"bulk": [], "single": []}
    bootstrap.override(wired.timed)
    try:
        warm_bulk, warm_single = pairs[0]
        bulk_approval(tenant, warm_bulk)()
        single_approvals(tenant, warm_single)()
        for r, (to_bulk, to_single) in enumerate(pairs[1:-1]):
            order = [
                ("bulk", bulk_approval(tenant, to_bulk)),
                ("single", single_approvals(tenant, to_single)),
            ]
            for side, call in order[:: -1 if r % 2 else 1]:
                wall, used = timed_cpu(call)
                ms[side].append(wall)
                cpu[side].append(used)
    finally:
        bootstrap.override(None)

    recorder = wired.recorder
    executor = wired.counted.service.context.executor
    assert executor is not None, "the app's read pool"
    bootstrap.override(wired.counted)
    try:
        with recorder.tracking(executor):
            to_bulk, to_single = pairs[-1]
            bulk_seen = recorder.observe(bulk_approval(tenant, to_bulk))
            single_seen = recorder.observe(single_approvals(tenant, to_single))
    finally:
        bootstrap.override(None)

    bulk_ms, single_ms = median(ms["bulk"]), median(ms["single"])
    timing = {
        "requests": n,
        "rounds": rounds,
        "bulk_median_ms": round(bulk_ms, 1),
        "singles_median_ms": round(single_ms, 1),
        "bulk_ms_per_request": round(bulk_ms / n, 3),
        "single_ms_per_request": round(single_ms / n, 3),
        "bulk_cpu_ms_per_request": round(median(cpu["bulk"]) / n, 3),
        "single_cpu_ms_per_request": round(median(cpu["single"]) / n, 3),
        "bulk_ms": [round(x, 1) for x in ms["bulk"]],
        "singles_ms": [round(x, 1) for x in ms["single"]],
    }
    calls = {"bulk": _calls(bulk_seen, n), "singles": _calls(single_seen, n)}
    trips = result(bulk_seen.count / n, single_seen.count / n, digits=2, requests=n, **calls)
    # Deeper than the singles one after the other, or calls on threads not followed: a fail.
    trips["pass"] = (
        trips["pass"]
        and bulk_seen.depth <= single_seen.depth
        and not bulk_seen.untracked
        and not single_seen.untracked
    )
    return {
        "bulk.ratio_approve": result(bulk_ms / single_ms, TARGET, **timing),
        "bulk.round_trips_per_request": trips,
    }
