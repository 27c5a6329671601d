"""The one table and its stores: requests, outbox and purge share the tenants' partitions."""

from __future__ import annotations

from concurrent.futures import Executor

import urllib3
from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.outbox import TableOutboxStore
from shared.adapters.tables.purge import TablePurgeStore
from shared.adapters.tables.requests import TableRequestStore
from shared.adapters.tables.tenants import TenantRegistry
from shared.adapters.tables.wire import Hook, TableWire, shared_pool


class TableStore:
    """Every port on one table (one partition per tenant) and the tenants table."""

    def __init__(
        self,
        table: TableClient,
        tenants: TableClient,
        executor: Executor | None = None,
        pool: urllib3.PoolManager | None = None,
        **hooks: Hook | None,
    ) -> None:
        self.table = table
        self.tenants = TenantRegistry(tenants)
        # Reads and transactions speak the protocol directly (see wire.py), on one pool;
        # `hooks` (request_hook, response_hook) see each call, as the SDK's raw hooks do.
        wire = TableWire.for_client(table, pool or shared_pool(), **hooks)
        # Point reads of a request path run side by side on `executor`.
        self.requests = TableRequestStore(table, self.tenants, executor, wire)
        self.outbox = TableOutboxStore(table, self.tenants, wire=wire)
        self.purge = TablePurgeStore(table, self.tenants, wire=wire)

    @storage_call
    def check_ready(self) -> None:
        """Storage answers a read (StorageUnavailable, a 503, when it does not)."""
        self.requests.probe()

    @storage_call
    def ensure_tables(self) -> None:
        """Create the tables if missing (once per process, not per call)."""
        for client in (self.table, self.tenants.table):
            try:
                client.create_table()
            except ResourceExistsError:
                pass
