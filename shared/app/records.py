"""What the store hands the use cases and takes back: values with their versions, the
reads of one round trip, and the writes of one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from shared.domain.counts import RequestCounts
from shared.domain.microsoft365 import Microsoft365Connection
from shared.domain.models import LicenseRequest, Product, RequestProcess
from shared.domain.notices import Notice
from shared.domain.terms import Holder
from shared.domain.waitlist import WaitEntry

T = TypeVar("T")


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
    connection: Microsoft365Connection | None = None
    counts: Versioned[RequestCounts] | None = None


@dataclass(frozen=True)
class DecisionContext:
    """Everything a decision needs, read in one round trip."""

    request: Versioned[LicenseRequest] | None
    catalogue: dict[str, Versioned[Product]]
    counts: Versioned[RequestCounts] | None = None


@dataclass(frozen=True)
class Counted:
    """The tenant's request counts after a write, and the version they were read at
    (None: no counts row yet)."""

    counts: RequestCounts
    etag: str | None

    @classmethod
    def after(
        cls, read: Versioned[RequestCounts] | None, change: Callable[[RequestCounts], RequestCounts]
    ) -> Counted:
        """`change` applied to the counts as read (zero when there was no row)."""
        return cls(change(read.value if read else RequestCounts()), read.etag if read else None)


@dataclass(frozen=True)
class ApprovalWrite:
    """The single transaction an approval commits."""

    before: Versioned[LicenseRequest]
    after: LicenseRequest
    product: Versioned[Product]
    # The product's counters after the approval (seats taken, or reserved).
    counted: Product
    assigned_emails: Sequence[str]
    notice: Notice | None = None
    counts: Counted | None = None
    # Users who got no seat and wait for one (whenShort "wait").
    waitlisted: Sequence[WaitEntry] = ()
    # Microsoft 365 users given a time-limited licence (their end is remembered).
    timed_emails: Sequence[str] = ()


@dataclass(frozen=True)
class DenialWrite:
    """The single transaction a denial commits."""

    before: Versioned[LicenseRequest]
    after: LicenseRequest
    notice: Notice | None = None
    counts: Counted | None = None


@dataclass(frozen=True)
class FulfilmentWrite:
    """The single transaction a fulfilment round commits: the request's outcomes, the
    product's counters, the fulfilment notice done (or kept) and the emails' notices."""

    before: Versioned[LicenseRequest]
    after: LicenseRequest
    product: Versioned[Product] | None
    counted: Product | None
    done_notice: str | None
    notices: Sequence[Notice] = ()


@dataclass(frozen=True)
class NewRequestWrite:
    """The single transaction a submit commits."""

    request: LicenseRequest
    replace_marker_etag: str | None = None
    notice: Notice | None = None
    counts: Counted | None = None


@dataclass(frozen=True)
class FillWrite:
    """The single transaction that seats the first users of a waitlist."""

    product: Versioned[Product]
    counted: Product
    seated: Sequence[WaitEntry]
    # Manual products: the entries that now hold the product (assignment rows).
    assigned: Sequence[WaitEntry]
    before: Mapping[str, Versioned[LicenseRequest]]
    after: Mapping[str, LicenseRequest]
    notices: Sequence[Notice]
    at: datetime


@dataclass(frozen=True)
class RemovalWrite:
    """The single transaction that takes someone off a waitlist."""

    product: Versioned[Product]
    counted: Product
    entry: WaitEntry
    before: Versioned[LicenseRequest] | None
    after: LicenseRequest | None
    notice: Notice | None


@dataclass(frozen=True)
class ReclaimWrite:
    """The single transaction that ends a time-limited licence: the assignment row goes,
    the seat is counted free (unless Microsoft 365 no longer had it), the holder is told."""

    holder: Versioned[Holder]
    product: Versioned[Product] | None
    counted: Product | None
    notice: Notice
