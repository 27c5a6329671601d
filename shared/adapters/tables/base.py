"""What every table store shares: error mapping, parameterised queries and writes.

Filters are module constants with `@name` parameters; values never become OData text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, cast

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
from shared.app.ports import StoreConflict

# Azure allows at most 15 comparisons in one $filter; the PartitionKey test is one.
MAX_KEYS_PER_QUERY = 14
MAX_BATCH = 100  # operations in one entity-group transaction
_RANGE = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


def if_match(etag: str) -> dict[str, Any]:
    """Keyword arguments making a write conditional on `etag`."""
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


class TableBase:
    """One table client, the tenants registry, and the query and write helpers the stores
    share."""

    def __init__(self, table: TableClient, tenants: TenantRegistry) -> None:
        self._table = table
        self._tenants = tenants
        self._transactions = TransactionWriter(table)

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

    def _query(self, filter_: str, parameters: dict[str, Any], **kwargs: Any) -> Iterator[Entity]:
        return cast(
            Iterator[Entity],
            iter(self._table.query_entities(filter_, parameters=parameters, **kwargs)),
        )

    def _get(self, tenant: str, row_key: str) -> Entity | None:
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

    def _point_query(self, tenant: str, keys: Sequence[str]) -> list[Entity]:
        """Read several rows of one partition in one round trip per 14 keys."""
        found: list[Entity] = []
        for start in range(0, len(keys), MAX_KEYS_PER_QUERY):
            chunk = keys[start : start + MAX_KEYS_PER_QUERY]
            params: dict[str, Any] = {"pk": tenant}
            clauses = []
            for i, key in enumerate(chunk):
                params[f"k{i}"] = key
                clauses.append(f"RowKey eq @k{i}")
            found.extend(self._query(f"PartitionKey eq @pk and ( {' or '.join(clauses)} )", params))
        return found

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
