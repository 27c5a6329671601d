"""PurgeStore on the table: deleting expired requests with everything that belongs to them."""

from __future__ import annotations

import json
from datetime import date, datetime

from shared.adapters.tables import keys
from shared.adapters.tables.base import MAX_BATCH, TableBase
from shared.adapters.tables.batch import TransactionFailed
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call


class TablePurgeStore(TableBase):
    """Removes expired requests, reading only the expired key range."""

    def created_on_or_before(self, day: date) -> list[str]:
        """Tenants that created requests on `day` or before (the expiry index)."""
        return self._tenants.created_on_or_before(day)

    def index_since(self, now: datetime) -> datetime:
        """When the expiry index began."""
        return self._tenants.index_since(now)

    def forget_days_before(self, day: date) -> None:
        """Drop the index of days whose requests are all gone."""
        self._tenants.forget_days_before(day)

    @storage_call
    def purge_expired(
        self,
        tenant: str,
        created_up_to: datetime,
        *,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> int:
        """Delete requests created at or before `created_up_to`, with their index, pointer
        (N|) and outbox rows.

        Reads only expired rows: request ids begin with the inverted creation time, so the
        expired ones are the key range from the cutoff's time key to the end of `R|`. Each
        request's rows go in the same transaction, so a request is gone whole or not at all,
        and an interrupted run is finished by the next one. Assignments are kept.
        """
        low, high = keys.expired_range(created_up_to)
        outbox = {
            str(r["RowKey"]) for r in self._rows_of_kind(tenant, keys.OUTBOX, select=["RowKey"])
        }
        removed = pages = 0
        while max_pages is None or pages < max_pages:
            pages += 1
            rows = self._range(
                tenant,
                low,
                high,
                page_size,
                inclusive_low=True,
                select=["RowKey", "Status", "ProductId", "RequesterId", "Named"],
            )
            if not rows:
                break
            markers = self._markers_of_pending(tenant, rows)
            groups = []
            for row in rows:
                request_id = keys.request_id_of(str(row["RowKey"]))
                row_keys = [keys.mine_key(row["RequesterId"], request_id)]
                if row["Status"] == "pending":
                    row_keys.append(keys.pending_key(request_id))
                    marker = keys.marker_key(row["ProductId"], row["RequesterId"])
                    if markers.get(marker) == request_id:
                        row_keys.append(marker)
                row_keys += sorted(k for k in outbox if keys.is_outbox_key_of(k, request_id))
                row_keys += keys.named_keys(json.loads(row.get("Named") or "[]"), request_id)
                # Last: the request row is what the next run looks for.
                row_keys.append(keys.request_key(request_id))
                groups.append(row_keys)
            for batch in _batches(groups):
                self._delete_batch(tenant, batch)
            removed += len(rows)
        return removed

    def _markers_of_pending(self, tenant: str, rows: list[Entity]) -> dict[str, str]:
        # One range query over the marker rows, narrowed to this page's request ids: an OR of
        # RowKeys would make Table Storage scan the whole partition.
        pending = sorted(
            keys.request_id_of(str(r["RowKey"])) for r in rows if r["Status"] == "pending"
        )
        if not pending:
            return {}
        markers = self._rows_of_kind(
            tenant,
            keys.MARKER,
            " and RequestId ge @first and RequestId le @last",
            {"first": pending[0], "last": pending[-1]},
            select=["RowKey", "RequestId"],
        )
        return {str(m["RowKey"]): str(m["RequestId"]) for m in markers}

    def _delete_batch(self, tenant: str, row_keys: list[str]) -> None:
        try:
            self._submit([("delete", {"PartitionKey": tenant, "RowKey": k}) for k in row_keys])
        except TransactionFailed:
            # Some row went meanwhile (a rerun, or a decision racing the sweep): delete one
            # by one, where a missing row is not an error; request rows still go last.
            for key in row_keys:
                self._table.delete_entity(tenant, key)


def _batches(groups: list[list[str]]) -> list[list[str]]:
    """Pack each request's keys into transactions of at most 100, never splitting a request."""
    batches: list[list[str]] = [[]]
    for row_keys in groups:
        if len(batches[-1]) + len(row_keys) > MAX_BATCH:
            batches.append([])
        batches[-1].extend(row_keys)
    return [b for b in batches if b]
