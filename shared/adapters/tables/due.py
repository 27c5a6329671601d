"""The global index of what falls due (X14), in the tenants table: licences to warn about or
reclaim, by time, and the products that have a waitlist. The timers read ranges of it, so
their cost follows the work, never the number of tenants.

    due | {warn|expire}|{millis:013d}|{tenant}|{productId}|{email}
    due | wait|{tenant}|{productId}

Entries are hints written before the tenant's transaction commits: an entry whose
assignment moved (extended, removed, never committed) is dropped when it comes up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Literal

from azure.data.tables import TableClient, UpdateMode

from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.keys import key_part
from shared.domain.ids import to_millis
from shared.domain.terms import DueEntry

DUE = "due"
_BATCH = 100  # entity-group transactions hold at most 100 operations


def _entry_key(entry: DueEntry) -> str:
    at = f"{to_millis(entry.at):013d}"
    return f"{entry.kind}|{at}|{entry.tenant}|{entry.product_id}|{key_part(entry.email)}"


def _waitlist_key(tenant: str, product_id: str) -> str:
    return f"wait|{tenant}|{product_id}"


class DueIndex:
    """The due index on the tenants table."""

    def __init__(self, table: TableClient) -> None:
        self._table = table

    @storage_call
    def schedule(self, entries: Sequence[DueEntry]) -> None:
        """Add entries (idempotent), a transaction per hundred."""
        rows = [
            {
                "PartitionKey": DUE,
                "RowKey": _entry_key(e),
                "Tenant": e.tenant,
                "ProductId": e.product_id,
                "Email": e.email,
                "ExpiresAt": e.expires_at,
            }
            for e in entries
        ]
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            self._table.submit_transaction(
                [("upsert", r, {"mode": UpdateMode.REPLACE}) for r in batch]
            )

    @storage_call
    def due(self, kind: Literal["warn", "expire"], now: datetime, limit: int) -> list[DueEntry]:
        """Entries of `kind` due at or before `now`, earliest first (a range)."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
            parameters={"pk": DUE, "low": f"{kind}|", "high": f"{kind}|{to_millis(now) + 1:013d}"},
            results_per_page=min(limit, 1000),
        )
        return [
            DueEntry(
                kind=kind,
                at=datetime.fromtimestamp(int(str(r["RowKey"]).split("|")[1]) / 1000, tz=UTC),
                tenant=str(r["Tenant"]),
                product_id=str(r["ProductId"]),
                email=str(r["Email"]),
                expires_at=r["ExpiresAt"],
            )
            for r in islice(rows, limit)
        ]

    @storage_call
    def done(self, entry: DueEntry) -> None:
        """Drop an entry (nothing when it is gone already)."""
        self._table.delete_entity(DUE, _entry_key(entry))

    @storage_call
    def note_waitlist(self, tenant: str, product_id: str) -> None:
        """Remember that the product has people waiting (the maxWait sweep visits it)."""
        self._table.upsert_entity(
            {"PartitionKey": DUE, "RowKey": _waitlist_key(tenant, product_id)},
            mode=UpdateMode.MERGE,
        )

    @storage_call
    def waitlists(self, limit: int) -> list[tuple[str, str]]:
        """(tenant, product) of every product noted with a waitlist."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": DUE, "low": "wait|", "high": "wait}"},
            select=["RowKey"],
        )
        found = []
        for row in islice(rows, limit):
            _, tenant, product_id = str(row["RowKey"]).split("|", 2)
            found.append((tenant, product_id))
        return found

    @storage_call
    def forget_waitlist(self, tenant: str, product_id: str) -> None:
        """The product's waitlist is empty: stop visiting it."""
        self._table.delete_entity(DUE, _waitlist_key(tenant, product_id))
