"""The rows of Microsoft 365 connections and fulfilment, in the tenant's partition.

A fulfilment round commits as one transaction: the request with its users' real
outcomes (ETag-checked), the product's seat counters (ETag-checked), the fulfilment
notice done, and the notices whose emails tell the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys, settings_codec
from shared.adapters.tables.base import MAX_BATCH, TableBase, if_match
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.errors import storage_call
from shared.app.ports import StaleProduct, StaleRequest, StoreConflict
from shared.app.records import DenialWrite, FulfilmentWrite, Versioned
from shared.domain.microsoft365 import Microsoft365Connection
from shared.domain.models import LicenseRequest, Product

_REPLACE = {"mode": UpdateMode.REPLACE}


class Microsoft365Rows(TableBase):
    """Connection, catalogue sync and fulfilment writes (part of the request store)."""

    @storage_call
    def get_connection(self, tenant: str) -> Versioned[Microsoft365Connection] | None:
        entity = self._get(tenant, keys.CONNECTION_KEY)
        return (
            Versioned(settings_codec.connection_from(entity), codec.etag(entity))
            if entity
            else None
        )

    @storage_call
    def save_connection(
        self, tenant: str, connection: Microsoft365Connection, etag: str | None
    ) -> None:
        self._write(settings_codec.connection_entity(tenant, connection), etag)
        self._tenants.set_connected(tenant, connection.connected)

    @storage_call
    def connected_tenants(self) -> list[str]:
        return self._tenants.connected()

    @storage_call
    def save_catalogue(
        self,
        tenant: str,
        products: Sequence[tuple[Product, str | None]],
        removed: Sequence[tuple[str, str]],
    ) -> None:
        # ETag-checked: an approval that reserved seats meanwhile must not be overwritten.
        ops: list[Operation] = [
            ("create", codec.product_entity(tenant, p))
            if etag is None
            else ("update", codec.product_entity(tenant, p), {**_REPLACE, **if_match(etag)})
            for p, etag in products
        ]
        ops += [
            ("delete", {"PartitionKey": tenant, "RowKey": keys.product_key(i)}, if_match(etag))
            for i, etag in removed
        ]
        try:
            for start in range(0, len(ops), MAX_BATCH):
                self._submit(ops[start : start + MAX_BATCH])
        except TransactionFailed as exc:
            raise StoreConflict(str(exc)) from exc

    def _request_ops(
        self, tenant: str, before: Versioned[LicenseRequest], after: LicenseRequest
    ) -> list[Operation]:
        request_row, mine_row = codec.request_rows(tenant, after)
        return [
            ("update", request_row, {**_REPLACE, **if_match(before.etag)}),
            ("update", mine_row, _REPLACE),
        ]

    @storage_call
    def commit_fulfilment(self, tenant: str, write: FulfilmentWrite) -> None:
        ops = self._request_ops(tenant, write.before, write.after)
        counter_index = None
        if write.product and write.counted:
            counter_index = len(ops)
            merge = {"mode": UpdateMode.MERGE, **if_match(write.product.etag)}
            ops.append(("update", codec.counters(tenant, write.counted), merge))
        if write.done_notice:
            ops.append(("delete", {"PartitionKey": tenant, "RowKey": write.done_notice}))
        ops += [("upsert", codec.outbox_entity(tenant, n), _REPLACE) for n in write.notices]
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            if counter_index is not None and exc.index == counter_index:
                raise StaleProduct(str(exc)) from exc
            raise StaleRequest(str(exc)) from exc

    @storage_call
    def commit_retry(self, tenant: str, write: DenialWrite) -> str | None:
        ops = self._request_ops(tenant, write.before, write.after)
        if write.notice:
            ops.append(("upsert", codec.outbox_entity(tenant, write.notice), _REPLACE))
        try:
            etag = self._submit(ops)
        except TransactionFailed as exc:
            raise StaleRequest(str(exc)) from exc
        return etag if write.notice else None
