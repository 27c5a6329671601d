"""An in-memory RequestStore with the table store's concurrency semantics, for fast
use-case tests. The Azurite-backed suites remain the truth about storage; this fake
keeps the contract of `shared.app.ports.RequestStore`: ETag-checked writes, one
transaction per decision, and the conflicts the table store reports."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.app.ports import (
    AlreadyAssigned,
    ApprovalWrite,
    DecisionContext,
    DenialWrite,
    NewRequestWrite,
    OutboxMessage,
    PendingExists,
    StaleProduct,
    StaleRequest,
    StoreConflict,
    SubmitContext,
    Versioned,
)
from shared.domain.models import (
    LicenseRequest,
    ListView,
    Page,
    Product,
    RequestProcess,
    RequestSummary,
)
from shared.domain.notices import Notice

_etags = (f'W/"{n}"' for n in itertools.count(1))


def _etag() -> str:
    return next(_etags)


@dataclass
class Tenant:
    """One tenant's partition."""

    products: dict[str, Versioned[Product]] = field(default_factory=dict)
    process: Versioned[RequestProcess] | None = None
    requests: dict[str, Versioned[LicenseRequest]] = field(default_factory=dict)
    markers: dict[tuple[str, str], Versioned[str]] = field(default_factory=dict)
    assignments: set[tuple[str, str]] = field(default_factory=set)
    outbox: dict[str, Notice] = field(default_factory=dict)


class FakeRequestStore:
    """RequestStore in memory; `conflicts` makes the next N decision commits lose a race."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.registered: set[str] = set()
        self.conflicts = 0
        self.reads = 0

    def tenant(self, tenant: str) -> Tenant:
        return self.tenants.setdefault(tenant, Tenant())

    def _lose_a_race(self) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise StaleRequest("another writer won")

    # -- catalogue and settings ---------------------------------------------------------------

    def list_products(self, tenant: str) -> list[Product]:
        return [v.value for v in self.tenant(tenant).products.values()]

    def get_product(self, tenant: str, product_id: str) -> Versioned[Product] | None:
        return self.tenant(tenant).products.get(product_id)

    def save_product(self, tenant: str, product: Product, etag: str | None) -> None:
        current = self.tenant(tenant).products.get(product.id)
        if (current.etag if current else None) != etag:
            raise StoreConflict(product.id)
        self.tenant(tenant).products[product.id] = Versioned(product, _etag())

    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None:
        return self.tenant(tenant).process

    def save_request_process(self, tenant: str, process: RequestProcess, etag: str | None) -> None:
        current = self.tenant(tenant).process
        if (current.etag if current else None) != etag:
            raise StoreConflict("process")
        self.tenant(tenant).process = Versioned(process, _etag())

    def register_tenant(self, tenant: str) -> None:
        self.registered.add(tenant)

    # -- submit ---------------------------------------------------------------------------

    def load_submit_context(self, tenant: str, product_id: str, requester_id: str) -> SubmitContext:
        t = self.tenant(tenant)
        marker = t.markers.get((product_id, requester_id))
        product = t.products.get(product_id)
        return SubmitContext(
            process=t.process.value if t.process else RequestProcess(),
            product=product.value if product else None,
            pending_id=marker.value if marker else None,
            pending_marker_etag=marker.etag if marker else None,
        )

    def create_request(self, tenant: str, write: NewRequestWrite) -> str | None:
        t, request = self.tenant(tenant), write.request
        key = (request.product_id, request.requester.id)
        marker = t.markers.get(key)
        if (marker.etag if marker else None) != write.replace_marker_etag:
            raise PendingExists(request.id)
        t.markers[key] = Versioned(request.id, _etag())
        t.requests[request.id] = Versioned(request, _etag())
        return self._add_notice(t, write.notice)

    # -- reads ----------------------------------------------------------------------------

    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None:
        self.reads += 1
        return self.tenant(tenant).requests.get(request_id)

    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext:
        self.reads += 1
        t = self.tenant(tenant)
        return DecisionContext(request=t.requests.get(request_id), catalogue=dict(t.products))

    def holders(self, tenant: str, product_id: str, emails: Sequence[str]) -> set[str]:
        held = self.tenant(tenant).assignments
        return {e.lower() for e in emails if (product_id, e.lower()) in held}

    def list_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[RequestSummary]:
        def shown(r: LicenseRequest) -> bool:
            return view == "all" or (r.status == "pending") == (view == "pending")

        rows = [r for r in self._newest_first(tenant, created_after, after_key) if shown(r)]
        return Page[RequestSummary](
            items=[r.summary() for r in rows[:limit]],
            next_key=rows[limit - 1].id if len(rows) > limit else None,
        )

    def list_user_requests(
        self,
        tenant: str,
        user_id: str,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[LicenseRequest]:
        rows = [
            r
            for r in self._newest_first(tenant, created_after, after_key)
            if r.requester.id == user_id
        ]
        return Page[LicenseRequest](
            items=rows[:limit], next_key=rows[limit - 1].id if len(rows) > limit else None
        )

    def _newest_first(
        self, tenant: str, created_after: datetime, after_key: str | None
    ) -> list[LicenseRequest]:
        # Ids sort newest first, as RowKeys do.
        ids = sorted(self.tenant(tenant).requests)
        return [
            self.tenant(tenant).requests[i].value
            for i in ids
            if (after_key is None or i > after_key)
            and self.tenant(tenant).requests[i].value.created_at > created_after
        ]

    # -- decisions ------------------------------------------------------------------------

    def commit_approval(self, tenant: str, write: ApprovalWrite) -> str | None:
        t = self.tenant(tenant)
        self._lose_a_race()
        if t.requests[write.after.id].etag != write.before.etag:
            raise StaleRequest(write.after.id)
        product = t.products[write.product.value.id]
        if write.assigned_emails and product.etag != write.product.etag:
            raise StaleProduct(product.value.id)
        for email in write.assigned_emails:
            if (product.value.id, email) in t.assignments:
                raise AlreadyAssigned(email)
        if write.assigned_emails:
            counted = product.value.model_copy(
                update={
                    "assigned_licenses": product.value.assigned_licenses
                    + len(write.assigned_emails)
                }
            )
            t.products[product.value.id] = Versioned(counted, _etag())
        t.assignments.update((product.value.id, e) for e in write.assigned_emails)
        self._decide(t, write.after)
        return self._add_notice(t, write.notice)

    def commit_denial(self, tenant: str, write: DenialWrite) -> str | None:
        t = self.tenant(tenant)
        self._lose_a_race()
        if t.requests[write.after.id].etag != write.before.etag:
            raise StaleRequest(write.after.id)
        self._decide(t, write.after)
        return self._add_notice(t, write.notice)

    @staticmethod
    def _decide(t: Tenant, after: LicenseRequest) -> None:
        t.requests[after.id] = Versioned(after, _etag())
        t.markers.pop((after.product_id, after.requester.id), None)

    @staticmethod
    def _add_notice(t: Tenant, notice: Notice | None) -> str | None:
        if notice is None:
            return None
        t.outbox[notice.id] = notice
        return _etag()


class RecordingNotifier:
    """Keeps what would be queued; `down` makes publishing fail like a queue outage."""

    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []
        self.down = False

    def publish(self, message: OutboxMessage) -> None:
        if self.down:
            raise ConnectionError("queue unreachable")
        self.messages.append(message)
