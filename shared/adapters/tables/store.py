"""The one table and its stores: requests, outbox and purge share the tenants' partitions."""

from __future__ import annotations

from concurrent.futures import Executor

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.outbox import TableOutboxStore
from shared.adapters.tables.purge import TablePurgeStore
from shared.adapters.tables.requests import TableRequestStore
from shared.adapters.tables.tenants import TenantRegistry


class TableStore:
    """Every port on one table (one partition per tenant) and the tenants table."""

    def __init__(
        self, table: TableClient, tenants: TableClient, executor: Executor | None = None
    ) -> None:
        self.table = table
        self.tenants = TenantRegistry(tenants)
        # Point reads of a request path run side by side on `executor`.
        self.requests = TableRequestStore(table, self.tenants, executor)
        self.outbox = TableOutboxStore(table, self.tenants)
        self.purge = TablePurgeStore(table, self.tenants)

    @storage_call
    def ensure_tables(self) -> None:
        """Create the tables if missing (once per process, not per call)."""
        for client in (self.table, self.tenants.table):
            try:
                client.create_table()
            except ResourceExistsError:
                pass
