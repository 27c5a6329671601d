"""Bulk seeding in the app's exact row layout, with raw 100-operation batches on several threads.

Rows come from `shared.adapters.tables.codec`'s entity builders and `keys`, so the app
reads them as its own, and written with the app's own transactions
(`shared.adapters.tables.batch`: the multipart body written by hand and sent through the
table client's pipeline), fast enough to reseed 10,000s of requests between runs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.adapters.tables import codec, settings_codec
from shared.adapters.tables.batch import TransactionWriter
from shared.adapters.tables.keys import COUNTS_KEY, OUTBOX
from shared.adapters.tables.outbox import TableOutboxStore
from shared.app.ports import OutboxMessage
from shared.domain.counts import RequestCounts
from shared.domain.ids import new_request_id, truncate_to_millis
from shared.domain.models import Decision, LicenseRequest, Person, RequestUser
from shared.domain.notices import decision_notice

Entity = dict[str, Any]
MAX_BATCH = 100
PRODUCT_ID = "visio"
PRODUCT_NAME = "Visio Plan 2"
ADMIN = Person(id="bench-admin", name="Ada Admin", email="ada@contoso.com")


class BatchWriter:
    """Inserts entities of one table in entity-group transactions of up to 100 operations,
    through the app's own hand-written transactions (shared.adapters.tables.batch)."""

    def __init__(self, table: TableClient) -> None:
        self.table = table
        self._transactions = TransactionWriter(table)

    def write(self, entities: Sequence[Entity]) -> None:
        """One transaction (all entities share a PartitionKey; at most 100)."""
        self._transactions.submit([("create", e) for e in entities])

    def write_all(self, entities: Iterable[Entity], threads: int) -> int:
        """Every entity, grouped per partition into 100-operation batches, on `threads`."""
        batches = list(batched_by_partition(entities))
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(self.write, batches))
        return sum(len(b) for b in batches)


def batched_by_partition(
    entities: Iterable[Entity], size: int = MAX_BATCH
) -> Iterator[list[Entity]]:
    by_partition: dict[str, list[Entity]] = {}
    for entity in entities:
        rows = by_partition.setdefault(entity["PartitionKey"], [])
        rows.append(entity)
        if len(rows) == size:
            yield rows
            by_partition[entity["PartitionKey"]] = []
    for rows in by_partition.values():
        if rows:
            yield rows


# ---- requests in the app's layout ----------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """A seeded request and the RowKeys of every row it owns (request row last)."""

    request: LicenseRequest
    keys: tuple[str, ...]


def make_request(
    created_at: datetime,
    n: int,
    *,
    decided: bool,
    retention: timedelta,
    users: int = 2,
    product_id: str = PRODUCT_ID,
) -> LicenseRequest:
    """A request as the service makes it (decided ones approved for every user)."""
    created_at = truncate_to_millis(created_at)
    requester = Person(id=f"user-{n:07d}", name=f"User {n}", email=f"user{n}@contoso.com")
    people = [RequestUser(email=requester.email, name=requester.name)] + [
        RequestUser(email=f"colleague{n}-{k}@contoso.com") for k in range(1, users)
    ]
    request = LicenseRequest(
        id=new_request_id(created_at),
        product_id=product_id,
        product_name=PRODUCT_NAME,
        requester=requester,
        users=people,
        justification="Needed for the quarterly architecture diagrams.",
        created_at=created_at,
        expires_at=created_at + retention,
    )
    if not decided:
        return request
    decided_at = created_at + timedelta(hours=1)
    return request.model_copy(
        update={
            "status": "approved",
            "users": [u.model_copy(update={"outcome": "assigned"}) for u in people],
            "decision": Decision(
                action="approve",
                decided_at=decided_at,
                decided_by=ADMIN,
                product_id=product_id,
                message="Enjoy.",
            ),
        }
    )


def request_rows(tenant: str, request: LicenseRequest) -> tuple[list[Entity], tuple[str, ...]]:
    """The rows the app keeps for a request: R + M, L + D while it is pending, and an N|
    pointer for each user named besides the requester (the request row last)."""
    main, mine = codec.request_rows(tenant, request)
    named = [codec.named_entity(tenant, p, request.id) for p in codec.named_persons(request)]
    rows = [mine, *named, main]
    if request.status == "pending":
        marker = codec.marker_entity(tenant, request)
        rows = [mine, codec.pending_entity(tenant, request), marker, *named, main]
    return rows, tuple(r["RowKey"] for r in rows)


def add_counts(table: TableClient, tenant: str, requests: Iterable[LicenseRequest]) -> None:
    """Count seeded requests into the tenant's counts row (S|counts), as the app's submits,
    decisions and expiry keep it: pending and completed requests, people waiting per
    product. Seeding writes rows directly, so it keeps the row right itself."""
    try:
        current = settings_codec.counts_from(table.get_entity(tenant, COUNTS_KEY))
    except ResourceNotFoundError:
        current = RequestCounts()
    pending, completed = current.pending, current.completed
    users = dict(current.pending_users)
    for request in requests:
        if request.status == "pending":
            pending += 1
            users[request.product_id] = users.get(request.product_id, 0) + len(request.users)
        else:
            completed += 1
    counts = RequestCounts(pending=pending, completed=completed, pending_users=users)
    table.upsert_entity(settings_codec.counts_entity(tenant, counts), mode=UpdateMode.REPLACE)


def seed_requests(
    writer: BatchWriter,
    tenant: str,
    count: int,
    *,
    newest: datetime,
    spacing: timedelta,
    retention: timedelta,
    pending_every: int = 10,
    first_index: int = 0,
    threads: int = 4,
) -> list[Seeded]:
    """`count` requests created `spacing` apart going back from `newest`.

    One in `pending_every` is pending (1: all of them), the others approved; requester
    `user-{n}` is unique per request, so each pending one owns its marker row. The
    tenant's counts row counts them in.
    """
    seeded: list[Seeded] = []
    entities: list[Entity] = []
    for i in range(count):
        n = first_index + i
        pending = n % pending_every == 0
        request = make_request(newest - spacing * i, n, decided=not pending, retention=retention)
        rows, keys = request_rows(tenant, request)
        entities.extend(rows)
        seeded.append(Seeded(request, keys))
    writer.write_all(entities, threads)
    add_counts(writer.table, tenant, (s.request for s in seeded))
    return seeded


def seed_outbox(
    writer: BatchWriter,
    store: TableOutboxStore,
    tenant: str,
    count: int,
    *,
    newest: datetime,
    retention: timedelta,
    users: int = 2,
    threads: int = 4,
) -> list[OutboxMessage]:
    """`count` decided requests whose decision notice is still in the outbox, and the queue
    messages the service would have put for them (with each row's etag and payload)."""
    entities: list[Entity] = []
    for i in range(count):
        request = make_request(
            newest - timedelta(seconds=i), i, decided=True, retention=retention, users=users
        )
        rows, _ = request_rows(tenant, request)
        notice = decision_notice(request, None)
        entities.extend([*rows, codec.outbox_entity(tenant, notice)])
    writer.write_all(entities, threads)
    return [
        OutboxMessage(tenant, row["RowKey"], row.metadata["etag"], json.loads(row["Payload"]))
        for row in store.table.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": tenant, "low": f"{OUTBOX}|", "high": f"{OUTBOX}}}"},
        )
    ]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
