"""The ports services depend on. Adapters implement them; tests hand real or fake ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from shared.models import LicenseRequest, ListView, Page, Product, RequestProcess, RequestSummary

T = TypeVar("T")


class Clock(Protocol):
    """Now, in UTC. Injected so retention is tested with a frozen clock."""

    def now(self) -> datetime: ...


# ---- what the store returns: the value and the version it was read at -----------------------


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A stored value and the ETag it was read at (optimistic concurrency)."""

    value: T
    etag: str


@dataclass(frozen=True)
class SubmitContext:
    """Everything submit needs, read in one round trip."""

    process: RequestProcess
    product: Product | None
    # The pending request this user already has for this product, and the version of the
    # marker row that says so (needed to replace a marker that points at an expired request).
    pending_id: str | None
    pending_marker_etag: str | None


@dataclass(frozen=True)
class DecisionContext:
    """Everything a decision needs, read in one round trip."""

    request: Versioned[LicenseRequest] | None
    catalogue: dict[str, Versioned[Product]]


@dataclass(frozen=True)
class Notice:
    """An email-worthy event written in the same transaction as its cause (outbox row)."""

    kind: Literal["decision", "submitted"]
    request_id: str
    payload: dict[str, object]


@dataclass(frozen=True)
class ApprovalWrite:
    """The single transaction an approval commits."""

    before: Versioned[LicenseRequest]
    after: LicenseRequest
    product: Versioned[Product]
    assigned_emails: Sequence[str]
    notice: Notice | None = None


@dataclass(frozen=True)
class DenialWrite:
    """The single transaction a denial commits."""

    before: Versioned[LicenseRequest]
    after: LicenseRequest
    notice: Notice | None = None


@dataclass(frozen=True)
class NewRequestWrite:
    """The single transaction a submit commits."""

    request: LicenseRequest
    replace_marker_etag: str | None = None
    notice: Notice | None = None


# ---- concurrency outcomes the store reports ------------------------------------------------


class StoreConflict(Exception):
    """A write lost a race; the service decides whether to retry or report."""


class StaleRequest(StoreConflict):
    """The request changed since it was read (another decision won)."""


class StaleProduct(StoreConflict):
    """The product's counters changed since they were read (another approval won)."""


class AlreadyAssigned(StoreConflict):
    """A user already holds the product: an assignment row exists."""


class PendingExists(StoreConflict):
    """Another pending request of this user for this product was created concurrently."""


class RequestStore(Protocol):
    """Persistence of a tenant's catalogue, settings and requests."""

    def list_products(self, tenant: str) -> list[Product]: ...

    def get_product(self, tenant: str, product_id: str) -> Versioned[Product] | None: ...

    def save_product(self, tenant: str, product: Product, etag: str | None) -> None:
        """Create (etag None; StoreConflict if it exists) or replace at `etag`."""

    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None: ...

    def save_request_process(self, tenant: str, process: RequestProcess, etag: str | None) -> None:
        """Create (etag None) or replace at `etag`; StoreConflict when it moved."""

    def load_submit_context(
        self, tenant: str, product_id: str, requester_id: str
    ) -> SubmitContext: ...

    def create_request(self, tenant: str, write: NewRequestWrite) -> None:
        """Insert the request and its index rows; PendingExists if the marker is taken."""

    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None: ...

    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext: ...

    def holders(self, tenant: str, product_id: str, emails: Sequence[str]) -> set[str]:
        """Which of `emails` (lower-case) already hold `product_id`."""

    def commit_approval(self, tenant: str, write: ApprovalWrite) -> None:
        """StaleRequest, StaleProduct or AlreadyAssigned when a race was lost."""

    def commit_denial(self, tenant: str, write: DenialWrite) -> None:
        """StaleRequest when a race was lost."""

    def list_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[RequestSummary]: ...

    def list_user_requests(
        self,
        tenant: str,
        user_id: str,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[LicenseRequest]: ...

    def register_tenant(self, tenant: str) -> None:
        """Remember that the tenant exists (the retention sweep visits known tenants)."""


class Notifier(Protocol):
    """Hands committed notices to the delivery queue (best effort: the relay catches up)."""

    def publish(self, tenant: str, notice: Notice) -> None: ...
