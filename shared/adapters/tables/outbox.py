"""OutboxStore on the table: the email worker's and the relay's bookkeeping of notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, json_props
from shared.adapters.tables.base import TableBase
from shared.adapters.tables.errors import storage_call
from shared.app.ports import OutboxRow
from shared.app.records import Versioned


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
            "Sent": json_props.dump(list(sent)),
            "Failed": json_props.dump(list(failed)),
            "Attempts": attempts,
        }
        self._table.update_entity(entity, mode=UpdateMode.MERGE)

    @storage_call
    def delete_outbox(self, tenant: str, key: str) -> None:
        self._table.delete_entity(tenant, key)

    @storage_call
    def outbox_under(self, tenant: str, prefix: str) -> list[Versioned[OutboxRow]]:
        # A range: a request's notices sit side by side under its prefix.
        rows = self._query(
            "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
            {"pk": tenant, "low": prefix, "high": prefix[:-1] + "}"},
        )
        return [Versioned(codec.outbox_from(r), codec.etag(r)) for r in rows]

    def unqueued(self) -> list[tuple[str, str]]:
        return self._tenants.unqueued()

    def forget_unqueued(self, tenant: str, key: str) -> None:
        self._tenants.forget_unqueued(tenant, key)

    @storage_call
    def mark_relayed(self, tenant: str, row: OutboxRow, etag: str) -> str:
        entity = {
            "PartitionKey": tenant,
            "RowKey": row.key,
            "RelayCount": row.relay_count,
            "RelayedAt": row.relayed_at,
        }
        return self._write(entity, etag, mode=UpdateMode.MERGE)
