"""Azure Table Storage adapter for RequestStore.

One table, one partition per tenant. Every row a tenant owns shares its PartitionKey,
so a decision (request + licence counter + assignments + index rows + outbox row)
commits as ONE entity-group transaction: all of it happens or none of it does.

RowKey layout (the prefix names the row's kind):

    P|{productId}                 product, with its licence counters
    S|process                     own-request-process settings
    R|{requestId}                 the request (ids sort newest first, see shared.ids)
    L|pending|{requestId}         list row of a pending request (summary copy), removed on
                                  decision: the pending view never reads decided history
    M|{requesterId}|{requestId}   "my requests" row               (full copy)
    D|{productId}|{requesterId}   marker: this user has a pending request for this product
    A|{productId}|{email}         licence assignment (kept after the request expires)
    O|{requestId}|{kind}          outbox row: a notice to deliver (see the email worker)

Because ids sort newest first and begin with the inverted creation time, "not expired"
is an upper RowKey bound on every range: lists never read expired rows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, ParamSpec, TypeVar, cast

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.errors import StorageUnavailable
from shared.ids import key_part, time_key
from shared.models import (
    LicenseRequest,
    ListView,
    Page,
    Person,
    Product,
    RequestProcess,
    RequestSummary,
    ServicePlan,
)
from shared.ports import (
    AlreadyAssigned,
    ApprovalWrite,
    DecisionContext,
    DenialWrite,
    NewRequestWrite,
    Notice,
    OutboxRow,
    PendingExists,
    StaleProduct,
    StaleRequest,
    StoreConflict,
    SubmitContext,
    Versioned,
)

P = ParamSpec("P")
R = TypeVar("R")
Entity = dict[str, Any]
Operation = tuple[Any, ...]

PROCESS_KEY = "S|process"
# Parametrised once: pydantic rebuilds a generic model each time it is subscripted anew.
_SummaryPage = Page[RequestSummary]
_RequestPage = Page[LicenseRequest]
# Azure allows at most 15 comparisons in one $filter; the PartitionKey test is one.
_MAX_KEYS_PER_QUERY = 14
_UNAVAILABLE_STATUSES = {408, 429, 500, 502, 503, 504}


def _storage_call(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn an unreachable or failing storage service into a 503 with Retry-After."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise StorageUnavailable("Storage cannot be reached; try again shortly.") from exc
        except HttpResponseError as exc:
            if isinstance(exc, TableTransactionError | StoreConflict):
                raise
            if exc.status_code in _UNAVAILABLE_STATUSES:
                raise StorageUnavailable("Storage is busy or failing; try again shortly.") from exc
            raise

    return wrapper


# ---- keys --------------------------------------------------------------------------------


def product_key(product_id: str) -> str:
    return f"P|{product_id}"


def request_key(request_id: str) -> str:
    return f"R|{request_id}"


def pending_key(request_id: str) -> str:
    return f"L|pending|{request_id}"


def mine_key(requester_id: str, request_id: str) -> str:
    return f"M|{requester_id}|{request_id}"


def marker_key(product_id: str, requester_id: str) -> str:
    return f"D|{product_id}|{requester_id}"


def assignment_key(product_id: str, email: str) -> str:
    return f"A|{product_id}|{key_part(email)}"


# ---- entity <-> model --------------------------------------------------------------------


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _product_entity(tenant: str, product: Product) -> Entity:
    return {
        "PartitionKey": tenant,
        "RowKey": product_key(product.id),
        "Name": product.name,
        "SelfService": product.self_service_purchase,
        "Plans": _dump([p.to_wire() for p in product.service_plans]),
        "Total": product.total_licenses,
        "Assigned": product.assigned_licenses,
        "UpdatedAt": product.updated_at,
        "UpdatedBy": _dump(product.updated_by.to_wire()) if product.updated_by else None,
    }


def _product_from(entity: Entity) -> Product:
    return Product(
        id=entity["RowKey"][2:],
        name=entity["Name"],
        self_service_purchase=entity["SelfService"],
        service_plans=[ServicePlan.model_validate(p) for p in json.loads(entity["Plans"])],
        total_licenses=int(entity["Total"]),
        assigned_licenses=int(entity["Assigned"]),
        updated_at=entity.get("UpdatedAt"),
        updated_by=Person.model_validate_json(entity["UpdatedBy"])
        if entity.get("UpdatedBy")
        else None,
    )


def _request_rows(tenant: str, request: LicenseRequest) -> tuple[Entity, Entity]:
    """The request row and its "my requests" copy, serialised once for both."""
    # Users go in their own property: a string property holds at most 32K characters,
    # and 51 users with long names would crowd the rest of the request out.
    data = request.to_wire()
    users = data.pop("users")
    row = {
        "PartitionKey": tenant,
        "RowKey": request_key(request.id),
        "Data": _dump(data),
        "Users": _dump(users),
        "Status": request.status,
        "RequesterId": request.requester.id,
        "ProductId": request.product_id,
    }
    return row, {**row, "RowKey": mine_key(request.requester.id, request.id)}


def _request_from(entity: Entity) -> LicenseRequest:
    data = json.loads(entity["Data"])
    data["users"] = json.loads(entity["Users"])
    return LicenseRequest.model_validate(data)


def _pending_entity(tenant: str, request: LicenseRequest) -> Entity:
    return {
        "PartitionKey": tenant,
        "RowKey": pending_key(request.id),
        "Data": _dump(request.summary().to_wire()),
    }


def _summary_from(entity: Entity) -> RequestSummary:
    if "Users" in entity:  # a request row (the completed and all views read those)
        return _request_from(entity).summary()
    return RequestSummary.model_validate_json(entity["Data"])


def _etag(entity: Any) -> str:
    return str(entity.metadata["etag"])


def _if_match(etag: str) -> dict[str, Any]:
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


class TableRequestStore:
    """RequestStore on one Azure table (see the module docstring for the key layout)."""

    def __init__(self, table: TableClient, tenants: TableClient) -> None:
        self._table = table
        self._tenants = tenants

    # -- setup -----------------------------------------------------------------------------

    @_storage_call
    def ensure_tables(self) -> None:
        """Create the tables if missing (once per process, not per call)."""
        for client in (self._table, self._tenants):
            try:
                client.create_table()
            except ResourceExistsError:
                pass

    @_storage_call
    def register_tenant(self, tenant: str) -> None:
        self._tenants.upsert_entity(
            {"PartitionKey": "tenant", "RowKey": tenant}, mode=UpdateMode.MERGE
        )

    @_storage_call
    def known_tenants(self) -> list[str]:
        """Every tenant that ever set up a product or settings."""
        rows = self._tenants.query_entities(
            "PartitionKey eq @pk", parameters={"pk": "tenant"}, select=["RowKey"]
        )
        return [str(r["RowKey"]) for r in rows]

    # -- helpers ---------------------------------------------------------------------------

    def _query(self, filter_: str, parameters: dict[str, Any], **kwargs: Any) -> Iterator[Entity]:
        return cast(
            Iterator[Entity],
            iter(self._table.query_entities(filter_, parameters=parameters, **kwargs)),
        )

    def _rows_of_kind(
        self,
        tenant: str,
        kind: str,
        where: str = "",
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Iterator[Entity]:
        """The rows whose RowKey starts with `kind|` (a range query), filtered by `where`.

        `where` is always a constant of this module; values go in `params`, never in text.
        """
        return self._query(
            f"PartitionKey eq @pk and RowKey gt @low and RowKey lt @high{where}",
            {"pk": tenant, "low": f"{kind}|", "high": f"{kind}}}", **(params or {})},
            **kwargs,
        )

    def _point_query(self, tenant: str, keys: Sequence[str]) -> list[Entity]:
        """Read several rows of one partition in one round trip per 14 keys."""
        found: list[Entity] = []
        for start in range(0, len(keys), _MAX_KEYS_PER_QUERY):
            chunk = keys[start : start + _MAX_KEYS_PER_QUERY]
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
        select: list[str] | None = None,
        only_decided: bool = False,
    ) -> list[Entity]:
        """Up to `limit` rows with low < RowKey < high, in key order."""
        query = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"
        params: dict[str, Any] = {"pk": tenant, "low": low, "high": high}
        if only_decided:
            query += " and Status ne @pending"
            params["pending"] = "pending"
        rows = self._query(query, params, results_per_page=min(limit, 1000), select=select)
        return list(islice(rows, limit))

    def _page(
        self,
        tenant: str,
        prefix: str,
        created_after: datetime,
        limit: int,
        after_key: str | None,
        *,
        only_decided: bool = False,
    ) -> tuple[list[Entity], str | None]:
        # Ids of requests created after the cutoff sort before its time key.
        high = prefix + time_key(created_after)
        low = prefix + after_key if after_key else prefix[:-1] + "|"
        rows = self._range(tenant, low, high, limit + 1, only_decided=only_decided)
        next_key = rows[limit - 1]["RowKey"][len(prefix) :] if len(rows) > limit else None
        return rows[:limit], next_key

    def _write(
        self, entity: Entity, etag: str | None, mode: UpdateMode = UpdateMode.REPLACE
    ) -> str:
        """Create (etag None) or update at `etag`, returning the new etag; StoreConflict when
        someone else won."""
        try:
            if etag is None:
                written = self._table.create_entity(entity)
            else:
                written = self._table.update_entity(entity, mode=mode, **_if_match(etag))
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError) as exc:
            raise StoreConflict(str(exc)) from exc
        return str(written["etag"])

    def _submit(self, operations: list[Operation]) -> str | None:
        """Commit one transaction; the etag of its last row, unless that one was deleted."""
        results = self._table.submit_transaction(operations)
        etag = results[-1].get("etag") if results else None
        return str(etag) if etag else None

    # -- catalogue -------------------------------------------------------------------------

    @_storage_call
    def list_products(self, tenant: str) -> list[Product]:
        return [_product_from(r) for r in self._rows_of_kind(tenant, "P")]

    @_storage_call
    def get_product(self, tenant: str, product_id: str) -> Versioned[Product] | None:
        try:
            entity = self._table.get_entity(tenant, product_key(product_id))
        except ResourceNotFoundError:
            return None
        return Versioned(_product_from(entity), _etag(entity))

    @_storage_call
    def save_product(self, tenant: str, product: Product, etag: str | None) -> None:
        self._write(_product_entity(tenant, product), etag)

    # -- settings --------------------------------------------------------------------------

    @_storage_call
    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None:
        try:
            entity = self._table.get_entity(tenant, PROCESS_KEY)
        except ResourceNotFoundError:
            return None
        return Versioned(RequestProcess.model_validate_json(entity["Data"]), _etag(entity))

    @_storage_call
    def save_request_process(self, tenant: str, process: RequestProcess, etag: str | None) -> None:
        entity = {"PartitionKey": tenant, "RowKey": PROCESS_KEY, "Data": _dump(process.to_wire())}
        self._write(entity, etag)

    # -- submit ----------------------------------------------------------------------------

    @_storage_call
    def load_submit_context(self, tenant: str, product_id: str, requester_id: str) -> SubmitContext:
        marker = marker_key(product_id, requester_id)
        rows = {
            r["RowKey"]: r
            for r in self._point_query(tenant, [PROCESS_KEY, product_key(product_id), marker])
        }
        process = rows.get(PROCESS_KEY)
        product = rows.get(product_key(product_id))
        pending = rows.get(marker)
        return SubmitContext(
            process=RequestProcess.model_validate_json(process["Data"])
            if process
            else RequestProcess(),
            product=_product_from(product) if product else None,
            pending_id=pending["RequestId"] if pending else None,
            pending_marker_etag=_etag(pending) if pending else None,
        )

    @_storage_call
    def create_request(self, tenant: str, write: NewRequestWrite) -> str | None:
        req = write.request
        marker: Entity = {
            "PartitionKey": tenant,
            "RowKey": marker_key(req.product_id, req.requester.id),
            "RequestId": req.id,
        }
        request_row, mine_row = _request_rows(tenant, req)
        ops: list[Operation] = [
            ("create", request_row),
            ("create", _pending_entity(tenant, req)),
            ("create", mine_row),
            ("create", marker)
            if write.replace_marker_etag is None
            else (
                "update",
                marker,
                {"mode": UpdateMode.REPLACE, **_if_match(write.replace_marker_etag)},
            ),
        ]
        if write.notice:
            ops.append(("create", self._outbox_entity(tenant, write.notice)))
        try:
            etag = self._submit(ops)
        except TableTransactionError as exc:
            if exc.index == 3:
                raise PendingExists(str(exc)) from exc
            raise
        return etag if write.notice else None

    # -- reads -----------------------------------------------------------------------------

    @_storage_call
    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None:
        try:
            entity = self._table.get_entity(tenant, request_key(request_id))
        except ResourceNotFoundError:
            return None
        return Versioned(_request_from(entity), _etag(entity))

    @_storage_call
    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext:
        # The request and the whole (small) catalogue in one round trip: the product to
        # assign may be any product that fulfils the requested one (R10, X2).
        rows = self._query(
            "PartitionKey eq @pk and ( RowKey eq @rk or ( RowKey gt @low and RowKey lt @high ) )",
            {"pk": tenant, "rk": request_key(request_id), "low": "P|", "high": "P}"},
        )
        request: Versioned[LicenseRequest] | None = None
        catalogue: dict[str, Versioned[Product]] = {}
        for row in rows:
            if row["RowKey"].startswith("R|"):
                request = Versioned(_request_from(row), _etag(row))
            else:
                product = _product_from(row)
                catalogue[product.id] = Versioned(product, _etag(row))
        return DecisionContext(request=request, catalogue=catalogue)

    @_storage_call
    def holders(self, tenant: str, product_id: str, emails: Sequence[str]) -> set[str]:
        keys = {assignment_key(product_id, e): e.lower() for e in emails}
        return {keys[r["RowKey"]] for r in self._point_query(tenant, list(keys))}

    @_storage_call
    def list_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[RequestSummary]:
        # Pending requests have their own index rows; decided ones are read from the request
        # rows, skipping the (few) pending ones server-side.
        prefix = "L|pending|" if view == "pending" else "R|"
        only_decided = view == "completed"
        rows, next_key = self._page(
            tenant, prefix, created_after, limit, after_key, only_decided=only_decided
        )
        return _SummaryPage(items=[_summary_from(r) for r in rows], next_key=next_key)

    @_storage_call
    def list_user_requests(
        self,
        tenant: str,
        user_id: str,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[LicenseRequest]:
        rows, next_key = self._page(tenant, f"M|{user_id}|", created_after, limit, after_key)
        return _RequestPage(items=[_request_from(r) for r in rows], next_key=next_key)

    # -- decisions -------------------------------------------------------------------------

    def _decision_ops(
        self, tenant: str, before: Versioned[LicenseRequest], after: LicenseRequest
    ) -> list[Operation]:
        """The rows every decision changes; the request's ETag makes it happen once (X5)."""
        replace = {"mode": UpdateMode.REPLACE}
        request_row, mine_row = _request_rows(tenant, after)
        return [
            ("update", request_row, {**replace, **_if_match(before.etag)}),
            ("delete", {"PartitionKey": tenant, "RowKey": pending_key(after.id)}),
            ("update", mine_row, replace),
            (
                "delete",
                {
                    "PartitionKey": tenant,
                    "RowKey": marker_key(after.product_id, after.requester.id),
                },
            ),
        ]

    def _outbox_entity(self, tenant: str, notice: Notice) -> Entity:
        return {
            "PartitionKey": tenant,
            "RowKey": notice.outbox_key,
            "Payload": _dump(notice.payload),
            "CreatedAt": notice.created_at,
            "Attempts": 0,
        }

    @_storage_call
    def commit_approval(self, tenant: str, write: ApprovalWrite) -> str | None:
        ops = self._decision_ops(tenant, write.before, write.after)
        counter_index = None
        if write.assigned_emails:
            counter_index = len(ops)
            counter = {
                "PartitionKey": tenant,
                "RowKey": product_key(write.product.value.id),
                "Assigned": write.product.value.assigned_licenses + len(write.assigned_emails),
            }
            ops.append(
                ("update", counter, {"mode": UpdateMode.MERGE, **_if_match(write.product.etag)})
            )
        first_assignment = len(ops)
        decision = write.after.decision
        for email in write.assigned_emails:
            ops.append(
                (
                    "create",
                    {
                        "PartitionKey": tenant,
                        "RowKey": assignment_key(write.product.value.id, email),
                        "Email": email,
                        "RequestId": write.after.id,
                        "AssignedAt": decision.decided_at if decision else None,
                        "DisabledPlans": _dump(decision.disabled_service_plans if decision else []),
                    },
                )
            )
        if write.notice:
            ops.append(("create", self._outbox_entity(tenant, write.notice)))
        try:
            etag = self._submit(ops)
        except TableTransactionError as exc:
            if counter_index is not None and exc.index == counter_index:
                raise StaleProduct(str(exc)) from exc
            if first_assignment <= exc.index < first_assignment + len(write.assigned_emails):
                raise AlreadyAssigned(write.assigned_emails[exc.index - first_assignment]) from exc
            raise StaleRequest(str(exc)) from exc
        return etag if write.notice else None

    @_storage_call
    def commit_denial(self, tenant: str, write: DenialWrite) -> str | None:
        ops = self._decision_ops(tenant, write.before, write.after)
        if write.notice:
            ops.append(("create", self._outbox_entity(tenant, write.notice)))
        try:
            etag = self._submit(ops)
        except TableTransactionError as exc:
            raise StaleRequest(str(exc)) from exc
        return etag if write.notice else None

    # -- retention -------------------------------------------------------------------------

    @_storage_call
    def purge_expired(
        self,
        tenant: str,
        created_up_to: datetime,
        *,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> int:
        """Delete requests created at or before `created_up_to`, with their index and outbox rows.

        Reads only expired rows: request ids begin with the inverted creation time, so the
        expired ones are the key range from the cutoff's time key to the end of `R|`. Each
        request's rows go in the same transaction, so a request is gone whole or not at all,
        and an interrupted run is finished by the next one. Assignments are kept.
        """
        low = "R|" + time_key(created_up_to)
        outbox = {str(r["RowKey"]) for r in self._rows_of_kind(tenant, "O", select=["RowKey"])}
        removed = pages = 0
        while max_pages is None or pages < max_pages:
            pages += 1
            rows = list(
                islice(
                    self._query(
                        "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
                        {"pk": tenant, "low": low, "high": "R}"},
                        select=["RowKey", "Status", "ProductId", "RequesterId"],
                        results_per_page=page_size,
                    ),
                    page_size,
                )
            )
            if not rows:
                break
            markers = self._markers_of_pending(tenant, rows)
            groups = []
            for row in rows:
                request_id = str(row["RowKey"])[2:]
                keys = [mine_key(row["RequesterId"], request_id)]
                if row["Status"] == "pending":
                    keys.append(pending_key(request_id))
                    marker = marker_key(row["ProductId"], row["RequesterId"])
                    if markers.get(marker) == request_id:
                        keys.append(marker)
                keys += [
                    k
                    for k in (f"O|{request_id}|decision", f"O|{request_id}|submitted")
                    if k in outbox
                ]
                keys.append(request_key(request_id))  # last: it is what the next run looks for
                groups.append(keys)
            for batch in _batches(groups):
                self._delete_batch(tenant, batch)
            removed += len(rows)
        return removed

    def _markers_of_pending(self, tenant: str, rows: list[Entity]) -> dict[str, str]:
        # One range query over the marker rows, narrowed to this page's request ids: an OR of
        # RowKeys would make Table Storage scan the whole partition.
        pending = sorted(str(r["RowKey"])[2:] for r in rows if r["Status"] == "pending")
        if not pending:
            return {}
        markers = self._rows_of_kind(
            tenant,
            "D",
            " and RequestId ge @first and RequestId le @last",
            {"first": pending[0], "last": pending[-1]},
            select=["RowKey", "RequestId"],
        )
        return {str(m["RowKey"]): str(m["RequestId"]) for m in markers}

    def _delete_batch(self, tenant: str, keys: list[str]) -> None:
        try:
            self._submit([("delete", {"PartitionKey": tenant, "RowKey": k}) for k in keys])
        except TableTransactionError:
            # Some row went meanwhile (a rerun, or a decision racing the sweep): delete one
            # by one, where a missing row is not an error; request rows still go last.
            for key in keys:
                self._table.delete_entity(tenant, key)

    # -- outbox delivery bookkeeping (the email worker and the relay) -------------------------

    @_storage_call
    def get_outbox(self, tenant: str, key: str) -> Versioned[OutboxRow] | None:
        try:
            entity = self._table.get_entity(tenant, key)
        except ResourceNotFoundError:
            return None
        return Versioned(_outbox_from(entity), _etag(entity))

    @_storage_call
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

    @_storage_call
    def mark_outbox(
        self, tenant: str, key: str, sent: Sequence[str], failed: Sequence[str], attempts: int
    ) -> None:
        entity = {
            "PartitionKey": tenant,
            "RowKey": key,
            "Sent": _dump(list(sent)),
            "Failed": _dump(list(failed)),
            "Attempts": attempts,
        }
        self._table.update_entity(entity, mode=UpdateMode.MERGE)

    @_storage_call
    def delete_outbox(self, tenant: str, key: str) -> None:
        self._table.delete_entity(tenant, key)

    @_storage_call
    def stale_outbox(self, tenant: str, created_before: datetime) -> list[Versioned[OutboxRow]]:
        rows = self._rows_of_kind(
            tenant,
            "O",
            " and Attempts eq @zero and CreatedAt lt @before",
            {"zero": 0, "before": created_before},
        )
        return [Versioned(_outbox_from(r), _etag(r)) for r in rows]

    @_storage_call
    def mark_relayed(self, tenant: str, row: OutboxRow, etag: str) -> str:
        entity = {
            "PartitionKey": tenant,
            "RowKey": row.key,
            "RelayCount": row.relay_count,
            "RelayedAt": row.relayed_at,
        }
        return self._write(entity, etag, mode=UpdateMode.MERGE)


_MAX_BATCH = 100  # operations in one entity-group transaction


def _batches(groups: list[list[str]]) -> list[list[str]]:
    """Pack each request's keys into transactions of at most 100, never splitting a request."""
    batches: list[list[str]] = [[]]
    for keys in groups:
        if len(batches[-1]) + len(keys) > _MAX_BATCH:
            batches.append([])
        batches[-1].extend(keys)
    return [b for b in batches if b]


def _outbox_from(entity: Entity) -> OutboxRow:
    return OutboxRow(
        key=entity["RowKey"],
        payload=json.loads(entity["Payload"]),
        created_at=entity["CreatedAt"],
        attempts=int(entity.get("Attempts") or 0),
        sent=tuple(json.loads(entity.get("Sent") or "[]")),
        failed=tuple(json.loads(entity.get("Failed") or "[]")),
        lease_owner=entity.get("LeaseOwner"),
        lease_until=entity.get("LeaseUntil"),
        relay_count=int(entity.get("RelayCount") or 0),
        relayed_at=entity.get("RelayedAt"),
    )
