"""The tenants table: which tenants exist, for the background work that visits them."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.adapters.tables.errors import storage_call

# The global list of committed notices that could not be queued (the relay timer's work).
UNQUEUED = "unqueued"
# The global index of the days each tenant created requests on (the retention sweep's work).
EXPIRY = "expiry"
# When the index began: requests older than that are found by visiting tenants.
SINCE = "~since"


class TenantRegistry:
    """One row per tenant that ever set up a product or settings."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        # (tenant, day) already in the expiry index, as this process knows.
        self._noted: set[tuple[str, str]] = set()
        self._noted_lock = threading.Lock()

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
    def note_requests_on(self, tenant: str, day: date) -> None:
        """Index that `tenant` created requests on `day` (once per process and day)."""
        key = (tenant, day.strftime("%Y%m%d"))
        with self._noted_lock:
            if key in self._noted:
                return
        self._table.upsert_entity(
            {"PartitionKey": EXPIRY, "RowKey": f"{key[1]}|{tenant}"}, mode=UpdateMode.MERGE
        )
        with self._noted_lock:
            self._noted.add(key)

    @storage_call
    def created_on_or_before(self, day: date) -> list[str]:
        """Tenants that created requests on `day` or before: a range of the index."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and RowKey lt @high",
            parameters={"pk": EXPIRY, "high": (day + timedelta(days=1)).strftime("%Y%m%d")},
            select=["RowKey"],
        )
        return sorted({str(r["RowKey"]).split("|", 1)[1] for r in rows})

    @storage_call
    def created_between(self, first: date, last: date) -> list[str]:
        """Tenants that created requests on a day from `first` to `last`: a range of the
        index (the reminder timer's work: those days may hold requests still waiting)."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
            parameters={
                "pk": EXPIRY,
                "low": first.strftime("%Y%m%d"),
                "high": (last + timedelta(days=1)).strftime("%Y%m%d"),
            },
            select=["RowKey"],
        )
        return sorted({str(r["RowKey"]).split("|", 1)[1] for r in rows})

    @storage_call
    def index_since(self, now: datetime) -> datetime:
        """When the index began (recorded now if it had not)."""
        try:
            return self._table.get_entity(EXPIRY, SINCE)["Since"]  # type: ignore[no-any-return]
        except ResourceNotFoundError:
            self._table.upsert_entity({"PartitionKey": EXPIRY, "RowKey": SINCE, "Since": now})
            return now

    @storage_call
    def forget_days_before(self, day: date) -> None:
        """Drop index rows of days wholly past (their requests are all gone)."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk and RowKey lt @high",
            parameters={"pk": EXPIRY, "high": day.strftime("%Y%m%d")},
            select=["RowKey"],
        )
        for row in rows:
            self._table.delete_entity(EXPIRY, str(row["RowKey"]))

    @storage_call
    def known(self) -> list[str]:
        """Every registered tenant."""
        rows = self._table.query_entities(
            "PartitionKey eq @pk", parameters={"pk": "tenant"}, select=["RowKey"]
        )
        return [str(r["RowKey"]) for r in rows]
