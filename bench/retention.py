"""Retention (issue 4): the sweep's cost should follow what expired, not how much is kept.

One table, three tenants seeded the same way (90% of requests approved: R + M rows;
pending ones also L + D):

* large: `total - expired` live requests plus `expired` expired ones;
* small: the same number of expired requests and nothing else;
* raw:   the same again, deleted by bare transactions with keys known up front: 99 rows
  and the tenant's counts row each (one read of the counts first), as every expiry takes
  the expired requests off the counts in the same transaction; encoded by the app's own
  TransactionWriter, as the sweep's are.

Each round runs large, small, raw in that order, each reseeded right before its own run;
medians over rounds. All three share the table and start from the same table state: in
Azurite every query scans the table's whole collection and every delete costs time in
proportion to the table's rows, so a run on a bigger table would look slower for
reasons that have nothing to do with the app.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.data.tables import UpdateMode

from shared.adapters.tables import settings_codec
from shared.adapters.tables.batch import TransactionWriter
from shared.adapters.tables.keys import COUNTS_KEY
from shared.domain.ids import truncate_to_millis

from .app import Wired
from .harness import Sizes, log, median
from .seed import Seeded, chunks, seed_requests

LARGE, SMALL, RAW = "retlarge", "retsmall", "retraw"
RAW_BATCH = 99  # rows deleted per raw transaction; the counts row is the 100th operation


def _rows(table: Any, tenant: str, low: str = "", high: str = "~") -> int:
    """Rows in [low, high), the tenant's counts row aside (it outlives every request)."""
    rows = table.query_entities(
        "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
        parameters={"pk": tenant, "low": low, "high": high},
        select=["RowKey"],
    )
    return sum(1 for r in rows if r["RowKey"] != COUNTS_KEY)


def _raw_delete(table: Any, made: list[Seeded]) -> None:
    """The floor of a sweep: the counts row read once, then the rows in transactions of 99
    and the counts row (each writes the counts as they end: the same bytes as the
    counts after each batch)."""
    counts = settings_codec.counts_from(table.get_entity(RAW, COUNTS_KEY))
    pending = [
        (s.request.product_id, len(s.request.users)) for s in made if s.request.status == "pending"
    ]
    completed = sum(1 for s in made if s.request.status != "pending")
    row = settings_codec.counts_entity(RAW, counts.expired(pending, completed))
    keys = [k for s in made for k in s.keys]
    # The app's own transaction encoder on the SDK client's pipeline (auth, retries, the
    # counting hook), as the sweep commits: the SDK's own `submit_transaction` spends
    # about 1 ms of CPU per operation in its multipart code, which is no floor.
    writer = TransactionWriter(table)
    for batch in chunks(keys, RAW_BATCH):
        writer.submit(
            [
                *(("delete", {"PartitionKey": RAW, "RowKey": k}) for k in batch),
                ("update", row, {"mode": UpdateMode.REPLACE}),
            ]
        )


def _kinds(calls: list[str]) -> dict[str, int]:
    tally = Tally(
        "transactions" if c.endswith("$batch") else "queries" if c.startswith("GET") else "other"
        for c in calls
    )
    return dict(tally)


def run(wired: Wired, sizes: Sizes) -> dict[str, Any]:
    store, table, counter = wired.counted.store.purge, wired.table, wired.counter
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
    rows_each = 0
    for r in range(sizes.retention_rounds):
        for tenant in (LARGE, SMALL, RAW):
            # Seeded right before its own run, so every run starts from the same table
            # (Azurite's deletes and queries cost more the more rows the table holds).
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
            rows_each = sum(len(s.keys) for s in made)
            counter.take()
            start = time.perf_counter()
            if tenant == RAW:
                _raw_delete(store.table, made)  # the same (counted) client
            else:
                removed = store.purge_expired(tenant, cutoff)
                if removed != expired:
                    raise RuntimeError(f"sweep of {tenant} removed {removed}, expected {expired}")
            times[tenant].append(time.perf_counter() - start)
            calls = counter.take()
            figures[tenant] = {"round_trips": len(calls), **_kinds(calls)}

        left = {t: _rows(table, t) for t in (SMALL, RAW)}
        if any(left.values()):
            raise RuntimeError(f"rows left after the sweeps: {left}")
        log(
            f"retention round {r + 1}: large {times[LARGE][-1]:.2f}s, small "
            f"{times[SMALL][-1]:.2f}s, raw {times[RAW][-1]:.2f}s ({rows_each} rows each)"
        )

    live_left = _rows(table, LARGE, "R|", "R}")
    markers_left = _rows(table, LARGE, "D|", "D}")
    live_pending = len(range(0, live, 10))  # seed_requests: 1 in 10 pending
    if live_left != live or markers_left != live_pending:
        raise RuntimeError(
            f"large tenant kept {live_left} requests and {markers_left} markers, "
            f"expected {live} and {live_pending}"
        )
    return {
        "seconds": {t: [round(s, 3) for s in v] for t, v in times.items()},
        "median_s": {t: round(median(v), 3) for t, v in times.items()},
        "requests_expired": expired,
        "requests_large_tenant": sizes.retention_total,
        "rows_deleted_per_sweep": rows_each,
        "sweep": figures,
    }
