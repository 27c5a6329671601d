"""Waitlist rows (W|{productId}|...): reading a product's queue, seating its first users,
removing one. Every write goes with the product row's ETag, so a seat is never given twice
and nobody is skipped: a deleted entry cannot be deleted again."""

from __future__ import annotations

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys
from shared.adapters.tables.base import TableBase, if_match
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call
from shared.app.ports import StaleProduct
from shared.app.records import FillWrite, RemovalWrite
from shared.domain.waitlist import WaitEntry

_REPLACE = {"mode": UpdateMode.REPLACE}


def wait_entity(tenant: str, entry: WaitEntry) -> Entity:
    """The row of one waiting user."""
    return {
        "PartitionKey": tenant,
        "RowKey": keys.waiting_key(entry.product_id, entry.key),
        "Email": entry.email,
        "Name": entry.name,
        "RequestId": entry.request_id,
        "Since": entry.since,
        "Duration": entry.duration,
        "Until": entry.until,
    }


def wait_from(entity: Entity) -> WaitEntry:
    """The entry a waitlist row holds."""
    _, product_id, key = str(entity["RowKey"]).split("|", 2)
    return WaitEntry(
        product_id=product_id,
        key=key,
        email=entity["Email"],
        name=entity.get("Name"),
        request_id=entity["RequestId"],
        since=entity["Since"],
        duration=entity.get("Duration"),
        until=entity.get("Until"),
    )


class WaitlistRows(TableBase):
    """A product's waitlist on the table."""

    @storage_call
    def waitlist(self, tenant: str, product_id: str, limit: int = 10_000) -> list[WaitEntry]:
        prefix = keys.waiting_prefix(product_id)
        rows = self._range(tenant, prefix[:-1] + "|", prefix[:-1] + "}", limit)
        return [wait_from(r) for r in rows]

    @storage_call
    def commit_fill(self, tenant: str, write: FillWrite) -> None:
        merge = {"mode": UpdateMode.MERGE, **if_match(write.product.etag)}
        ops: list[Operation] = [("update", codec.counters(tenant, write.counted), merge)]
        for entry in write.seated:
            row_key = keys.waiting_key(entry.product_id, entry.key)
            ops.append(("delete", {"PartitionKey": tenant, "RowKey": row_key}))
        # Microsoft 365 may hold an old row of a reclaimed term: the new one replaces it.
        kind = "upsert" if write.counted.source == "microsoft365" else "create"
        for entry in write.assigned:
            row = codec.assignment_entity(
                tenant,
                entry.product_id,
                entry.email.lower(),
                write.after.get(entry.request_id),
                request_id=entry.request_id,
                at=write.at,
                expires_at=entry.ends(write.at),
            )
            ops.append((kind, row, _REPLACE) if kind == "upsert" else (kind, row))
        for request_id, after in write.after.items():
            request_row, mine_row = codec.request_rows(tenant, after)
            ops.append(
                ("update", request_row, {**_REPLACE, **if_match(write.before[request_id].etag)})
            )
            ops.append(("update", mine_row, _REPLACE))
        ops += [("upsert", codec.outbox_entity(tenant, n), _REPLACE) for n in write.notices]
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            # The product, an entry or a request moved: read again and start over.
            raise StaleProduct(str(exc)) from exc

    @storage_call
    def remove_waiting(self, tenant: str, write: RemovalWrite) -> None:
        entry = write.entry
        merge = {"mode": UpdateMode.MERGE, **if_match(write.product.etag)}
        ops: list[Operation] = [
            ("update", codec.counters(tenant, write.counted), merge),
            (
                "delete",
                {"PartitionKey": tenant, "RowKey": keys.waiting_key(entry.product_id, entry.key)},
            ),
        ]
        if write.before is not None and write.after is not None:
            request_row, mine_row = codec.request_rows(tenant, write.after)
            ops.append(("update", request_row, {**_REPLACE, **if_match(write.before.etag)}))
            ops.append(("update", mine_row, _REPLACE))
        if write.notice is not None:
            ops.append(("upsert", codec.outbox_entity(tenant, write.notice), _REPLACE))
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            raise StaleProduct(str(exc)) from exc
