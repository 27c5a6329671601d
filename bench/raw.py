"""The floor: bare azure-data-tables / azure-storage-queue calls on the app's own clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from shared.adapters.tables.codec import request_rows
from shared.adapters.tables.keys import COUNTS_KEY, PROCESS_KEY, product_key, request_key
from shared.app.notifications import queue_message
from shared.app.ports import OutboxMessage
from shared.domain.models import LicenseRequest
from shared.domain.notices import decision_notice

from .app import Wired
from .seed import PRODUCT_ID, make_request

Case = Callable[[int], Callable[[], Any]]
# Submitting the benchmark's 2-user request commits 6 rows: request, list row, my-requests
# row, marker, the named user's N| pointer and the tenant's counts row; denying commits 6:
# request, list row, my-requests row, marker, counts, outbox row.
TRANSACTION_OPS = 6
# Approving one commits 9: request, list row, my-requests row, marker, licence counter,
# 2 assignments, counts, outbox row. Its floor is a transaction that size.
APPROVE_OPS = 9

# The raw medians each operation's in-process time is compared with. Every submit,
# decision and list reads the tenant's counts row beside its other reads (`counts_read`):
# summed here, as the reads the app makes side by side are everywhere in the floors.
FLOORS: dict[str, tuple[str, ...]] = {
    "submit": ("query_keys", "counts_read", "transaction"),
    "submit_notify": ("query_keys", "counts_read", "transaction", "queue_put"),
    "get": ("point_read",),
    "list": ("point_read", "counts_read", "query_page"),
    "approve": ("query_keys", "counts_read", "transaction_approve", "queue_put"),
    "deny": ("point_read", "counts_read", "transaction", "queue_put"),
    "settings": ("point_read",),
}


def range_filter() -> str:
    return "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


def first_page(table: Any, tenant: str, low: str, high: str, size: int = 50) -> list[Any]:
    """One page query of `size` rows of a key range, as one round trip."""
    pages = table.query_entities(
        range_filter(),
        parameters={"pk": tenant, "low": low, "high": high},
        results_per_page=size,
    ).by_page()
    return list(next(pages))


def raw_cases(wired: Wired, tenant: str, sample: LicenseRequest) -> dict[str, Case]:
    """Each raw call once per round; `sample` is a seeded request (a ~1 KB row) to read."""
    table, queue = wired.table, wired.queue
    run = uuid.uuid4().hex[:8]
    point = request_key(sample.id)
    template, _mine = request_rows(tenant, sample)
    keys = {"pk": tenant, "k0": PROCESS_KEY, "k1": product_key(PRODUCT_ID), "k2": point}

    def point_read(_i: int) -> Callable[[], Any]:
        return lambda: table.get_entity(tenant, point)

    def counts_read(_i: int) -> Callable[[], Any]:
        return lambda: table.get_entity(tenant, COUNTS_KEY)

    def insert(i: int) -> Callable[[], Any]:
        entity = {**template, "RowKey": f"X|insert|{run}|{i}"}
        return lambda: table.create_entity(entity)

    def query_page(_i: int) -> Callable[[], Any]:
        def call() -> None:
            rows = first_page(table, tenant, "L|pending|", "L|pending}")
            assert len(rows) == 50, len(rows)

        return call

    def query_keys(_i: int) -> Callable[[], Any]:
        # The shape of the submit and decision reads: a few named rows in one query.
        def call() -> None:
            rows = list(
                table.query_entities(
                    "PartitionKey eq @pk and ( RowKey eq @k0 or RowKey eq @k1 or RowKey eq @k2 )",
                    parameters=keys,
                )
            )
            assert len(rows) == 3, len(rows)

        return call

    def transaction_of(size: int, tag: str) -> Case:
        def case(i: int) -> Callable[[], Any]:
            ops = [
                ("create", {**template, "RowKey": f"X|{tag}|{run}|{i}|{k}"}) for k in range(size)
            ]
            return lambda: table.submit_transaction(ops)

        return case

    transaction = transaction_of(TRANSACTION_OPS, "tx")

    def transaction_handrolled(i: int) -> Callable[[], Any]:
        # Diagnostic: the same 6 inserts as a hand-written $batch body (bench.seed), i.e.
        # what the transaction costs without the SDK's multipart (email package) handling.
        rows = [{**template, "RowKey": f"X|hand|{run}|{i}|{k}"} for k in range(TRANSACTION_OPS)]
        return lambda: wired.writer.write(rows)

    # What a decision puts: the outbox row's etag and a 2-user decision notice's payload.
    decided = make_request(
        sample.created_at, 0, decided=True, retention=wired.settings.retention_period
    )
    payload = decision_notice(decided, None).payload
    etag = "W/\"datetime'2026-11-24T12%3A00%3A00.0000000Z'\""

    def queue_put(i: int) -> Callable[[], Any]:
        text = queue_message(OutboxMessage(tenant, f"O|{run}{i}|decision", etag, payload))
        return lambda: queue.send_message(text)

    return {
        "point_read": point_read,
        "counts_read": counts_read,
        "insert": insert,
        "query_page": query_page,
        "query_keys": query_keys,
        "transaction": transaction,
        "transaction_approve": transaction_of(APPROVE_OPS, "txa"),
        "transaction_handrolled": transaction_handrolled,
        "queue_put": queue_put,
    }
