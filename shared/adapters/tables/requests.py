"""RequestStore on the table: catalogue, settings, requests and decisions.

A decision (request + licence counter + assignments + index rows + outbox row) commits
as ONE entity-group transaction in the tenant's partition: all of it or none of it.
The request row's ETag makes a decision happen once (X5); the product row's ETag keeps
seats from being oversubscribed (X1).
"""

from __future__ import annotations

from collections.abc import Sequence

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys, settings_codec
from shared.adapters.tables.base import if_match
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.holders import HolderRows
from shared.adapters.tables.listing import RequestLists
from shared.adapters.tables.microsoft365 import Microsoft365Rows
from shared.adapters.tables.waitlist import WaitlistRows, wait_entity
from shared.app.ports import AlreadyAssigned, PendingExists, StaleProduct, StaleRequest
from shared.app.records import (
    ApprovalWrite,
    Counted,
    DecisionContext,
    DenialWrite,
    NewRequestWrite,
    SubmitContext,
    Versioned,
)
from shared.domain.counts import RequestCounts
from shared.domain.models import (
    LicenseRequest,
    Page,
    Product,
    RequestProcess,
    RequestSummary,
)
from shared.domain.notices import Notice

# Parametrised once: pydantic rebuilds a generic model each time it is subscripted anew.
_SummaryPage = Page[RequestSummary]
_RequestPage = Page[LicenseRequest]
_REPLACE = {"mode": UpdateMode.REPLACE}


class TableRequestStore(Microsoft365Rows, RequestLists, WaitlistRows, HolderRows):
    """A tenant's catalogue, settings and requests, one partition per tenant."""

    # -- catalogue -------------------------------------------------------------------------

    @storage_call
    def list_products(self, tenant: str) -> list[Product]:
        return [codec.product_from(r) for r in self._rows_of_kind(tenant, keys.PRODUCT)]

    @storage_call
    def get_catalogue(self, tenant: str) -> dict[str, Versioned[Product]]:
        rows = self._rows_of_kind(tenant, keys.PRODUCT)
        products = (Versioned(codec.product_from(r), codec.etag(r)) for r in rows)
        return {p.value.id: p for p in products}

    @storage_call
    def get_product(self, tenant: str, product_id: str) -> Versioned[Product] | None:
        entity = self._get(tenant, keys.product_key(product_id))
        return Versioned(codec.product_from(entity), codec.etag(entity)) if entity else None

    @storage_call
    def save_product(self, tenant: str, product: Product, etag: str | None) -> None:
        self._write(codec.product_entity(tenant, product), etag)

    # -- settings --------------------------------------------------------------------------

    @storage_call
    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None:
        entity = self._get(tenant, keys.PROCESS_KEY)
        return (
            Versioned(settings_codec.process_from(entity), codec.etag(entity)) if entity else None
        )

    @storage_call
    def save_request_process(self, tenant: str, process: RequestProcess, etag: str | None) -> None:
        self._write(settings_codec.process_entity(tenant, process), etag)

    # -- submit ----------------------------------------------------------------------------

    @storage_call
    def load_submit_context(self, tenant: str, product_id: str, requester_id: str) -> SubmitContext:
        product_key = keys.product_key(product_id)
        marker_key = keys.marker_key(product_id, requester_id)
        wanted = [keys.PROCESS_KEY, product_key, marker_key, keys.CONNECTION_KEY, keys.COUNTS_KEY]
        rows = self._points(tenant, wanted)
        process = rows.get(keys.PROCESS_KEY)
        product = rows.get(product_key)
        pending = rows.get(marker_key)
        connection = rows.get(keys.CONNECTION_KEY)
        return SubmitContext(
            process=settings_codec.process_from(process) if process else RequestProcess(),
            product=codec.product_from(product) if product else None,
            pending_id=pending["RequestId"] if pending else None,
            pending_marker_etag=codec.etag(pending) if pending else None,
            connection=settings_codec.connection_from(connection) if connection else None,
            counts=self._counts(rows.get(keys.COUNTS_KEY)),
        )

    @staticmethod
    def _counts(entity: Entity | None) -> Versioned[RequestCounts] | None:
        if entity is None:
            return None
        return Versioned(settings_codec.counts_from(entity), codec.etag(entity))

    @storage_call
    def get_counts(self, tenant: str) -> Versioned[RequestCounts] | None:
        return self._counts(self._get(tenant, keys.COUNTS_KEY))

    @storage_call
    def create_request(self, tenant: str, write: NewRequestWrite) -> str | None:
        req = write.request
        marker = codec.marker_entity(tenant, req)
        request_row, mine_row = codec.request_rows(tenant, req)
        ops: list[Operation] = [
            ("create", request_row),
            ("create", codec.pending_entity(tenant, req)),
            ("create", mine_row),
            ("create", marker)
            if write.replace_marker_etag is None
            else ("update", marker, {**_REPLACE, **if_match(write.replace_marker_etag)}),
        ]
        ops += [("create", codec.named_entity(tenant, p, req.id)) for p in codec.named_persons(req)]
        if write.counts:
            ops.append(settings_codec.counts_op(tenant, write.counts))
        if write.notice:
            ops.append(("create", codec.outbox_entity(tenant, write.notice)))
        try:
            etag = self._submit(ops)
        except TransactionFailed as exc:
            if exc.index == 3:
                raise PendingExists(str(exc)) from exc
            raise
        return etag if write.notice else None

    @storage_call
    def merge_request(
        self,
        tenant: str,
        before: Versioned[LicenseRequest],
        after: LicenseRequest,
        counts: Counted | None = None,
    ) -> None:
        request_row, mine_row = codec.request_rows(tenant, after)
        known = set(codec.named_persons(before.value))
        ops: list[Operation] = [
            ("update", request_row, {**_REPLACE, **if_match(before.etag)}),
            ("update", mine_row, _REPLACE),
            ("update", codec.pending_entity(tenant, after), _REPLACE),
        ]
        ops += [
            ("create", codec.named_entity(tenant, p, after.id))
            for p in codec.named_persons(after)
            if p not in known
        ]
        if counts:
            ops.append(settings_codec.counts_op(tenant, counts))
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            raise StaleRequest(str(exc)) from exc

    # -- reads -----------------------------------------------------------------------------

    @storage_call
    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None:
        entity = self._get(tenant, keys.request_key(request_id))
        return Versioned(codec.request_from(entity), codec.etag(entity)) if entity else None

    @storage_call
    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext:
        # The request (a point read) and the whole (small) catalogue (a range) side by side:
        # the product to assign may be any product that fulfils the requested one (R10, X2).
        catalogue = self.meanwhile(lambda: self.get_catalogue(tenant))
        found = self.load_denial_context(tenant, request_id)
        return DecisionContext(found.request, catalogue(), found.counts)

    @storage_call
    def load_denial_context(self, tenant: str, request_id: str) -> DecisionContext:
        # The request and the counts row, side by side.
        rows = self._points(tenant, [keys.request_key(request_id), keys.COUNTS_KEY])
        row = rows.get(keys.request_key(request_id))
        request = Versioned(codec.request_from(row), codec.etag(row)) if row else None
        return DecisionContext(request, {}, self._counts(rows.get(keys.COUNTS_KEY)))

    @storage_call
    def holders(self, tenant: str, product_id: str, emails: Sequence[str]) -> set[str]:
        wanted = {keys.assignment_key(product_id, e): e.lower() for e in emails}
        return {wanted[k] for k in self._points(tenant, list(wanted))}

    # -- decisions -------------------------------------------------------------------------

    def _decision_ops(
        self, tenant: str, before: Versioned[LicenseRequest], after: LicenseRequest
    ) -> list[Operation]:
        """The rows every decision changes; the request's ETag makes it happen once (X5)."""
        request_row, mine_row = codec.request_rows(tenant, after)
        marker = keys.marker_key(after.product_id, after.requester.id)
        return [
            ("update", request_row, {**_REPLACE, **if_match(before.etag)}),
            ("delete", {"PartitionKey": tenant, "RowKey": keys.pending_key(after.id)}),
            ("update", mine_row, _REPLACE),
            ("delete", {"PartitionKey": tenant, "RowKey": marker}),
        ]

    @storage_call
    def commit_approval(self, tenant: str, write: ApprovalWrite) -> str | None:
        ops = self._decision_ops(tenant, write.before, write.after)
        product = write.product.value
        counter_index = None
        if codec.counters(tenant, write.counted) != codec.counters(tenant, product):
            counter_index = len(ops)
            merge = {"mode": UpdateMode.MERGE, **if_match(write.product.etag)}
            ops.append(("update", codec.counters(tenant, write.counted), merge))
        first_assignment = len(ops)
        for email in write.assigned_emails:
            ops.append(("create", codec.assignment_entity(tenant, product.id, email, write.after)))
        # Microsoft 365 holders of a term: remembered for its end (an old term's row replaced).
        ops += [
            ("upsert", codec.assignment_entity(tenant, product.id, email, write.after), _REPLACE)
            for email in write.timed_emails
        ]
        ops += [("create", wait_entity(tenant, entry)) for entry in write.waitlisted]
        if write.counts:
            ops.append(settings_codec.counts_op(tenant, write.counts))
        self._add_notice(ops, tenant, write.notice)
        try:
            etag = self._submit(ops)
        except TransactionFailed as exc:
            if counter_index is not None and exc.index == counter_index:
                raise StaleProduct(str(exc)) from exc
            if first_assignment <= exc.index < first_assignment + len(write.assigned_emails):
                raise AlreadyAssigned(write.assigned_emails[exc.index - first_assignment]) from exc
            raise StaleRequest(str(exc)) from exc
        return etag if write.notice else None

    @storage_call
    def commit_denial(self, tenant: str, write: DenialWrite) -> str | None:
        ops = self._decision_ops(tenant, write.before, write.after)
        if write.counts:
            ops.append(settings_codec.counts_op(tenant, write.counts))
        self._add_notice(ops, tenant, write.notice)
        try:
            etag = self._submit(ops)
        except TransactionFailed as exc:
            raise StaleRequest(str(exc)) from exc
        return etag if write.notice else None

    @staticmethod
    def _add_notice(ops: list[Operation], tenant: str, notice: Notice | None) -> None:
        # Last, so the transaction's result names the outbox row's etag.
        if notice:
            ops.append(("create", codec.outbox_entity(tenant, notice)))
