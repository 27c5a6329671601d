"""OutboxStore on the table: the email worker's and the relay's bookkeeping of notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys
from shared.adapters.tables.base import TableBase
from shared.adapters.tables.errors import storage_call
from shared.app.ports import OutboxRow, Versioned


class TableOutboxStore(TableBase):
    """Outbox rows (`O|…`) of every tenant's partition."""

    @storage_call
    def get_outbox(self, tenant: str, key: str) -> Versioned[OutboxRow] | None:
        entity = self._get(tenant, key)
        return Versioned(codec.outbox_from(entity), codec.etag(entity)) if entity else None

    @storage_call
    def lease_outbox(
        self, tenant: str, key: str, attempts: int, owner: str, until: datetime, etag: str
    ) -> None:
        entity = {
            "PartitionKey": tenant,
            "RowKey": key,
            "Attempts": attempts,
            "LeaseOwner": owner,
            "LeaseUntil": until,
        }
        self._write(entity, etag, mode=UpdateMode.MERGE)

    @storage_call
    def mark_outbox(
        self, tenant: str, key: str, sent: Sequence[str], failed: Sequence[str], attempts: int
    ) -> None:
        entity = {
            "PartitionKey": tenant,
            "RowKey": key,
            "Sent": codec.dump(list(sent)),
            "Failed": codec.dump(list(failed)),
            "Attempts": attempts,
        }
        self._table.update_entity(entity, mode=UpdateMode.MERGE)

    @storage_call
    def delete_outbox(self, tenant: str, key: str) -> None:
        self._table.delete_entity(tenant, key)

    @storage_call
    def stale_outbox(self, tenant: str, created_before: datetime) -> list[Versioned[OutboxRow]]:
        rows = self._rows_of_kind(
            tenant,
            keys.OUTBOX,
            " and Attempts eq @zero and CreatedAt lt @before",
            {"zero": 0, "before": created_before},
        )
        return [Versioned(codec.outbox_from(r), codec.etag(r)) for r in rows]

    @storage_call
    def mark_relayed(self, tenant: str, row: OutboxRow, etag: str) -> str:
        entity = {
            "PartitionKey": tenant,
            "RowKey": row.key,
            "RelayCount": row.relay_count,
            "RelayedAt": row.relayed_at,
        }
        return self._write(entity, etag, mode=UpdateMode.MERGE)
