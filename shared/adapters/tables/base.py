"""What every table store shares: error mapping, parameterised queries and writes.

Filters are module constants with `@name` parameters; values never become OData text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from datetime import date
from itertools import islice
from typing import Any, TypeVar, cast

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.adapters.tables.batch import Operation, TransactionWriter
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.tenants import TenantRegistry
from shared.adapters.tables.wire import TableWire
from shared.app.ports import StoreConflict

MAX_BATCH = 100  # operations in one entity-group transaction
R = TypeVar("R")
_RANGE = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


def if_match(etag: str) -> dict[str, Any]:
    """Keyword arguments making a write conditional on `etag`."""
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


class TableBase:
    """One table client, the tenants registry, and the query and write helpers the stores
    share."""

    def __init__(
        self,
        table: TableClient,
        tenants: TenantRegistry,
        executor: Executor | None = None,
        wire: TableWire | None = None,
    ) -> None:
        self._table = table
        self._tenants = tenants
        # Reads and transactions go over the lean wire when there is one, else the SDK.
        self._wire = wire
        self._transactions = TransactionWriter(table, wire)
        self._executor = executor

    @property
    def table(self) -> TableClient:
        """The SDK client (for tools that inspect raw rows)."""
        return self._table

    def known_tenants(self) -> list[str]:
        """Every tenant that ever set up a product or settings (background work visits them)."""
        return self._tenants.known()

    def register_tenant(self, tenant: str) -> None:
        """Remember that the tenant exists."""
        self._tenants.register(tenant)

    def note_requests_on(self, tenant: str, day: date) -> None:
        """Index the day a tenant created requests on, for the retention sweep."""
        self._tenants.note_requests_on(tenant, day)

    def remember_unqueued(self, tenant: str, key: str) -> None:
        """Note a committed notice that could not be queued, for the relay timer."""
        self._tenants.remember_unqueued(tenant, key)

    def _query(
        self,
        filter_: str,
        parameters: dict[str, Any],
        *,
        select: list[str] | None = None,
        results_per_page: int | None = None,
    ) -> Iterator[Entity]:
        if self._wire is not None:
            return self._wire.query(filter_, parameters, select=select, page_size=results_per_page)
        rows = self._table.query_entities(
            filter_, parameters=parameters, select=select, results_per_page=results_per_page
        )
        return cast(Iterator[Entity], iter(rows))

    def probe(self) -> None:
        """One point read of a row that need not exist: raises when storage cannot answer."""
        self._get("~ready", "~ready")

    def _get(self, tenant: str, row_key: str) -> Entity | None:
        if self._wire is not None:
            return self._wire.get(tenant, row_key)
        try:
            return cast(Entity, self._table.get_entity(tenant, row_key))
        except ResourceNotFoundError:
            return None

    def _rows_of_kind(
        self,
        tenant: str,
        kind: str,
        where: str = "",
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Iterator[Entity]:
        """The rows whose RowKey starts with `kind|` (a range query), filtered by `where`.

        `where` is always a constant of an adapter module; values go in `params`.
        """
        return self._query(
            _RANGE + where,
            {"pk": tenant, "low": f"{kind}|", "high": f"{kind}}}", **(params or {})},
            **kwargs,
        )

    def _points(self, tenant: str, keys: Sequence[str]) -> dict[str, Entity]:
        """Several rows of one partition by key, read side by side: point reads (an OR of
        RowKeys would make Table Storage scan the partition), one round trip of wall time."""
        if self._executor is None or len(keys) < 2:
            rows = [self._get(tenant, k) for k in keys]
        else:
            later = [self._executor.submit(self._get, tenant, k) for k in keys[1:]]
            rows = [self._get(tenant, keys[0]), *(f.result() for f in later)]
        return {k: row for k, row in zip(keys, rows, strict=True) if row is not None}

    def meanwhile(self, read: Callable[[], R]) -> Callable[[], R]:
        """Start `read` on the pool now; how to get its result (at once without a pool)."""
        if self._executor is None:
            value = read()
            return lambda: value
        return self._executor.submit(read).result

    def _range(
        self,
        tenant: str,
        low: str,
        high: str,
        limit: int,
        *,
        where: str = "",
        params: dict[str, Any] | None = None,
        inclusive_low: bool = False,
        **kwargs: Any,
    ) -> list[Entity]:
        """Up to `limit` rows with low < RowKey < high (low <= with `inclusive_low`)."""
        query = _RANGE.replace("gt @low", "ge @low") if inclusive_low else _RANGE
        rows = self._query(
            query + where,
            {"pk": tenant, "low": low, "high": high, **(params or {})},
            results_per_page=min(limit, 1000),
            **kwargs,
        )
        return list(islice(rows, limit))

    def _scan(
        self,
        tenant: str,
        low: str,
        high: str,
        *,
        where: str = "",
        params: dict[str, Any] | None = None,
    ) -> Iterator[Entity]:
        """Every row with low < RowKey < high, page after page, read as iterated."""
        return self._query(
            _RANGE + where,
            {"pk": tenant, "low": low, "high": high, **(params or {})},
            results_per_page=1000,
        )

    def _write(
        self, entity: Entity, etag: str | None, mode: UpdateMode = UpdateMode.REPLACE
    ) -> str:
        """Create (etag None) or update at `etag`, returning the new etag; StoreConflict when
        someone else won."""
        try:
            if etag is None:
                written = self._table.create_entity(entity)
            else:
                written = self._table.update_entity(entity, mode=mode, **if_match(etag))
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError) as exc:
            raise StoreConflict(str(exc)) from exc
        return str(written["etag"])

    def _submit(self, operations: list[Operation]) -> str | None:
        """Commit one transaction (TransactionFailed names the failing operation); the etag
        of its last row, unless that one was deleted."""
        results = self._transactions.submit(operations)
        etag = results[-1].etag if results else None
        return str(etag) if etag else None
