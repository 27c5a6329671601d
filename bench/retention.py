"""Retention (issue 4): the sweep's cost should follow what expired, not how much is kept.

One table, three tenants seeded the same way (90% of requests approved: R + M rows;
pending ones also L + D):

* large: `total - expired` live requests plus `expired` expired ones;
* small: the same number of expired requests and nothing else;
* raw:   the same again, deleted by bare 100-operation transactions with keys known up front.

Every round reseeds the expired requests of all three, then runs large, small, raw in that
order; medians over rounds. All three share the table, so the emulator's per-query cost
(Azurite scans a table's whole collection for every query) is the same for each.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.ids import truncate_to_millis

from .app import Wired
from .harness import Sizes, log, median
from .seed import chunks, seed_requests

LARGE, SMALL, RAW = "retlarge", "retsmall", "retraw"


def _rows(table: Any, tenant: str, low: str = "", high: str = "~") -> int:
    rows = table.query_entities(
        "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
        parameters={"pk": tenant, "low": low, "high": high},
        select=["RowKey"],
    )
    return sum(1 for _ in rows)


def _kinds(calls: list[str]) -> dict[str, int]:
    tally = Tally(
        "transactions" if c.endswith("$batch") else "queries" if c.startswith("GET") else "other"
        for c in calls
    )
    return dict(tally)


def run(wired: Wired, sizes: Sizes) -> dict[str, Any]:
    store, table, counter = wired.counted.store, wired.table, wired.counter
    retention = wired.settings.retention_period
    now = datetime.now(UTC)
    cutoff = truncate_to_millis(now - retention)
    expired, live = sizes.retention_expired, sizes.retention_total - sizes.retention_expired
    threads = sizes.seed_threads

    started = time.perf_counter()
    seed_requests(
        wired.writer,
        LARGE,
        live,
        newest=now - timedelta(minutes=1),
        spacing=(retention - timedelta(days=1)) / max(live, 1),
        retention=retention,
        first_index=0,
        threads=threads,
    )
    log(f"retention: {live} live requests seeded in {time.perf_counter() - started:.1f}s")

    times: dict[str, list[float]] = {LARGE: [], SMALL: [], RAW: []}
    figures: dict[str, Any] = {}
    for r in range(sizes.retention_rounds):
        seeded: dict[str, list[list[str]]] = {}
        for tenant in (LARGE, SMALL, RAW):
            made = seed_requests(
                wired.writer,
                tenant,
                expired,
                newest=cutoff - timedelta(seconds=1),
                spacing=timedelta(seconds=1),
                retention=retention,
                first_index=10_000_000 + r * expired,
                threads=threads,
            )
            seeded[tenant] = [list(s.keys) for s in made]
        rows_each = sum(len(k) for k in seeded[SMALL])

        for tenant in (LARGE, SMALL):
            counter.take()
            start = time.perf_counter()
            removed = store.purge_expired(tenant, cutoff)
            times[tenant].append(time.perf_counter() - start)
            calls = counter.take()
            if removed != expired:
                raise RuntimeError(f"sweep of {tenant} removed {removed}, expected {expired}")
            figures[tenant] = {"round_trips": len(calls), **_kinds(calls)}

        keys = [k for request in seeded[RAW] for k in request]
        counter.take()
        start = time.perf_counter()
        for batch in chunks(keys, 100):
            store._table.submit_transaction(  # noqa: SLF001 - the same (counted) client
                [("delete", {"PartitionKey": RAW, "RowKey": k}) for k in batch]
            )
        times[RAW].append(time.perf_counter() - start)
        figures[RAW] = {"round_trips": len(counter.take())}

        left = {t: _rows(table, t) for t in (SMALL, RAW)}
        if any(left.values()):
            raise RuntimeError(f"rows left after the sweeps: {left}")
        log(
            f"retention round {r + 1}: large {times[LARGE][-1]:.2f}s, small "
            f"{times[SMALL][-1]:.2f}s, raw {times[RAW][-1]:.2f}s ({rows_each} rows each)"
        )

    live_left = _rows(table, LARGE, "R|", "R}")
    if live_left != live:
        raise RuntimeError(f"large tenant kept {live_left} requests, expected {live}")
    return {
        "seconds": {t: [round(s, 3) for s in v] for t, v in times.items()},
        "median_s": {t: round(median(v), 3) for t, v in times.items()},
        "requests_expired": expired,
        "requests_large_tenant": sizes.retention_total,
        "rows_deleted_per_sweep": rows_each,
        "sweep": figures,
    }
