"""Assignment rows (A|{productId}|{email}) as holders with a term, and the due index they
are scheduled in (X14): listing, extending, warning and reclaiming."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Literal

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys
from shared.adapters.tables.base import TableBase, if_match
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.due import DueIndex
from shared.adapters.tables.errors import storage_call
from shared.app.ports import StaleProduct, StoreConflict
from shared.app.records import ReclaimWrite, Versioned
from shared.domain.notices import Notice
from shared.domain.terms import DueEntry, Holder

_MERGE = {"mode": UpdateMode.MERGE}


class HolderRows(TableBase):
    """Holders of a tenant's products, and the global due index."""

    @cached_property
    def _due(self) -> DueIndex:
        return DueIndex(self._tenants.table)

    @storage_call
    def holders_of(self, tenant: str, product_id: str, limit: int) -> list[Holder]:
        prefix = keys.assignment_key(product_id, "")
        rows = self._range(tenant, prefix, prefix[:-1] + "}", limit)
        return [codec.holder_from(r) for r in rows]

    @storage_call
    def holder(self, tenant: str, product_id: str, email: str) -> Versioned[Holder] | None:
        row = self._get(tenant, keys.assignment_key(product_id, email))
        return Versioned(codec.holder_from(row), codec.etag(row)) if row else None

    @staticmethod
    def _term_row(tenant: str, holder: Holder) -> dict[str, object]:
        return {
            "PartitionKey": tenant,
            "RowKey": keys.assignment_key(holder.product_id, holder.email),
            "ExpiresAt": holder.expires_at,
            "Warned": holder.warned,
        }

    @storage_call
    def save_term(self, tenant: str, holder: Holder, etag: str) -> None:
        try:
            self._submit([("update", self._term_row(tenant, holder), {**_MERGE, **if_match(etag)})])
        except TransactionFailed as exc:
            raise StoreConflict(str(exc)) from exc

    @storage_call
    def commit_warning(self, tenant: str, holder: Versioned[Holder], notice: Notice) -> None:
        warned = holder.value.model_copy(update={"warned": True})
        ops: list[Operation] = [
            ("update", self._term_row(tenant, warned), {**_MERGE, **if_match(holder.etag)}),
            ("upsert", codec.outbox_entity(tenant, notice), {"mode": UpdateMode.REPLACE}),
        ]
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            raise StoreConflict(str(exc)) from exc

    @storage_call
    def commit_reclaim(self, tenant: str, write: ReclaimWrite) -> None:
        row_key = keys.assignment_key(write.holder.value.product_id, write.holder.value.email)
        ops: list[Operation] = [
            ("delete", {"PartitionKey": tenant, "RowKey": row_key}, if_match(write.holder.etag))
        ]
        if write.product is not None and write.counted is not None:
            merge = {**_MERGE, **if_match(write.product.etag)}
            ops.append(("update", codec.counters(tenant, write.counted), merge))
        ops.append(
            ("upsert", codec.outbox_entity(tenant, write.notice), {"mode": UpdateMode.REPLACE})
        )
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            raise StaleProduct(str(exc)) from exc

    def schedule_due(self, entries: Sequence[DueEntry]) -> None:
        """Add entries to the due index (before the transaction that makes them true)."""
        self._due.schedule(entries)

    def note_waitlist(self, tenant: str, product_id: str) -> None:
        """Remember that the product has people waiting."""
        self._due.note_waitlist(tenant, product_id)

    def due(self, kind: Literal["warn", "expire"], now: datetime, limit: int) -> list[DueEntry]:
        return self._due.due(kind, now, limit)

    def done(self, entry: DueEntry) -> None:
        self._due.done(entry)

    def waitlists(self, limit: int) -> list[tuple[str, str]]:
        return self._due.waitlists(limit)

    def forget_waitlist(self, tenant: str, product_id: str) -> None:
        self._due.forget_waitlist(tenant, product_id)
