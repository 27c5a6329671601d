"""PurgeStore on the table: deleting expired requests with everything that belongs to them."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from datetime import date, datetime

from shared.adapters.tables import codec, keys, settings_codec
from shared.adapters.tables.base import MAX_BATCH, TableBase
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call
from shared.app.records import Counted, Versioned
from shared.domain.counts import RequestCounts
from shared.domain.errors import StorageUnavailable


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
                select=["RowKey", "Status", "ProductId", "RequesterId", "Named", "UserCount"],
            )
            if not rows:
                break
            markers = self._markers_of_pending(tenant, rows)
            groups: list[Group] = []
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
                groups.append(
                    Group(row_keys, str(row["Status"]), str(row["ProductId"]), _users(row))
                )
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

    def _delete_batch(self, tenant: str, groups: list[Group]) -> None:
        """Delete the requests' rows and take them off the counts, in one transaction."""
        deletes: list[Operation] = [
            ("delete", {"PartitionKey": tenant, "RowKey": k}) for g in groups for k in g.row_keys
        ]
        for _ in range(COUNTS_RACES):
            counts = Counted.after(self.get_counts_row(tenant), lambda c: _expired(c, groups))
            try:
                self._submit([*deletes, settings_codec.counts_op(tenant, counts)])
                return
            except TransactionFailed as exc:
                if exc.index != len(deletes):
                    break  # a row of a request went or changed meanwhile
                # the counts moved (a submit or a decision): read them again
        # One request at a time, as it is now: a rerun may have taken some, a decision may
        # have moved a pending one; request rows still go last.
        for group in groups:
            self._delete_request(tenant, group)

    def _delete_request(self, tenant: str, group: Group) -> None:
        request_key = group.row_keys[-1]
        for _ in range(COUNTS_RACES):
            found = self._points(tenant, [request_key, keys.COUNTS_KEY])
            row = found.get(request_key)
            if row is None:
                return  # gone, and counted off by whoever deleted it
            now = replace(group, status=str(row["Status"]))
            counts_row = found.get(keys.COUNTS_KEY)
            read = (
                Versioned(settings_codec.counts_from(counts_row), codec.etag(counts_row))
                if counts_row
                else None
            )
            for key in group.row_keys[:-1]:
                self._table.delete_entity(tenant, key)  # a missing row is not an error
            counted = Counted.after(read, functools.partial(_expired, groups=[now]))
            try:
                self._submit(
                    [
                        ("delete", {"PartitionKey": tenant, "RowKey": request_key}),
                        settings_codec.counts_op(tenant, counted),
                    ]
                )
                return
            except TransactionFailed:
                continue
        raise StorageUnavailable("The retention sweep lost too many races; it goes on next time.")

    def get_counts_row(self, tenant: str) -> Versioned[RequestCounts] | None:
        """The tenant's counts as stored now."""
        row = self._get(tenant, keys.COUNTS_KEY)
        return Versioned(settings_codec.counts_from(row), codec.etag(row)) if row else None


@dataclass(frozen=True)
class Group:
    """The rows of one expired request, and what it counted as."""

    row_keys: list[str]
    status: str
    product_id: str
    users: int


# A sweep batch retries this often when submits or decisions change the counts meanwhile.
COUNTS_RACES = 10


def _users(row: Entity) -> int:
    # Rows written before UserCount existed count as one person (the requester).
    return int(row.get("UserCount") or 1)


def _expired(counts: RequestCounts, groups: list[Group]) -> RequestCounts:
    pending = [(g.product_id, g.users) for g in groups if g.status == "pending"]
    return counts.expired(pending, sum(1 for g in groups if g.status != "pending"))


def _batches(groups: list[Group]) -> list[list[Group]]:
    """Pack requests into transactions of at most 100 operations (the counts row is one),
    never splitting a request."""
    batches: list[list[Group]] = [[]]
    size = 1
    for group in groups:
        if size + len(group.row_keys) > MAX_BATCH:
            batches.append([])
            size = 1
        batches[-1].append(group)
        size += len(group.row_keys)
    return [b for b in batches if b]
