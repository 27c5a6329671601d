"""The tenants table: which tenants exist, for the background work that visits them."""

from __future__ import annotations

from azure.data.tables import TableClient, UpdateMode

from shared.adapters.tables.errors import storage_call

# The global list of committed notices that could not be queued (the relay timer's work).
UNQUEUED = "unqueued"


class TenantRegistry:
    """One row per tenant that ever set up a product or settings."""

    def __init__(self, table: TableClient) -> None:
        self._table = table

    @property
    def table(self) -> TableClient:
        """The SDK client."""
        return self._table

    @storage_call
    def register(self, tenant: str) -> None:
        """Remember the tenant (idempotent)."""
        self._table.upsert_entity(
            {"PartitionKey": "tenant", "RowKey": tenant}, mode=UpdateMode.MERGE
        )

    @storage_call
    def set_connected(self, tenant: str, connected: bool) -> None:
        """Mark the tenant connected to Microsoft 365 or not (the catalogue sync visits
        connected tenants only)."""
        self._table.upsert_entity(
            {"PartitionKey": "tenant", "RowKey": tenant, "Microsoft365": connected},
            mode=UpdateMode.MERGE,
        )

    @storage_call
    def connected(self) -> list[str]:
        """Every tenant marked connected."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and Microsoft365 eq @yes",
            parameters={"pk": "tenant", "yes": True},
            select=["RowKey"],
        )
        return [str(r["RowKey"]) for r in rows]

    @storage_call
    def remember_unqueued(self, tenant: str, key: str) -> None:
        """Note a committed notice that could not be queued (one global list)."""
        self._table.upsert_entity(
            {"PartitionKey": UNQUEUED, "RowKey": f"{tenant}|{key}"}, mode=UpdateMode.MERGE
        )

    @storage_call
    def unqueued(self) -> list[tuple[str, str]]:
        """(tenant, notice key) of every noted notice: one query, whatever the tenants."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": UNQUEUED}, select=["RowKey"]
        )
        noted = (str(r["RowKey"]).split("|", 1) for r in rows)
        return [(tenant, key) for tenant, key in noted]

    @storage_call
    def forget_unqueued(self, tenant: str, key: str) -> None:
        """The noted notice is dealt with."""
        self._table.delete_entity(UNQUEUED, f"{tenant}|{key}")

    @storage_call
    def known(self) -> list[str]:
        """Every registered tenant."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": "tenant"}, select=["RowKey"]
        )
        return [str(r["RowKey"]) for r in rows]
