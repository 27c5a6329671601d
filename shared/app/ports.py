"""The ports the use cases depend on. Adapters implement them; tests hand real or fake ones."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from shared.app.records import (
    ApprovalWrite,
    Counted,
    DecisionContext,
    DenialWrite,
    FillWrite,
    FulfilmentWrite,
    NewRequestWrite,
    RemovalWrite,
    SubmitContext,
    Versioned,
)
from shared.domain.counts import RequestCounts
from shared.domain.microsoft365 import Microsoft365Connection
from shared.domain.models import (
    LicenseRequest,
    ListView,
    Page,
    Product,
    RequestProcess,
    RequestSummary,
)
from shared.domain.notices import Notice
from shared.domain.reminders import ReminderSettings
from shared.domain.terms import DueEntry
from shared.domain.text import one_line
from shared.domain.waitlist import WaitEntry

T = TypeVar("T")


class Clock(Protocol):
    """Now, in UTC. Injected so retention is tested with a frozen clock."""

    def now(self) -> datetime: ...


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

    def get_catalogue(self, tenant: str) -> dict[str, Versioned[Product]]:
        """Every product of the tenant, by id, with its version."""

    def save_product(self, tenant: str, product: Product, etag: str | None) -> None:
        """Create (etag None; StoreConflict if it exists) or replace at `etag`."""

    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None: ...

    def save_request_process(self, tenant: str, process: RequestProcess, etag: str | None) -> None:
        """Create (etag None) or replace at `etag`; StoreConflict when it moved."""

    def load_submit_context(
        self, tenant: str, product_id: str, requester_id: str
    ) -> SubmitContext: ...

    def create_request(self, tenant: str, write: NewRequestWrite) -> str | None:
        """Insert the request and its index rows; PendingExists if the marker is taken.

        Returns the etag of the notice's outbox row (None without a notice)."""

    def merge_request(
        self,
        tenant: str,
        before: Versioned[LicenseRequest],
        after: LicenseRequest,
        counts: Counted | None = None,
    ) -> None:
        """X3: replace the pending request at `before.etag` with `after` (more users, a
        longer justification); StaleRequest when it moved (decided, merged meanwhile)."""

    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None: ...

    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext: ...

    def load_denial_context(self, tenant: str, request_id: str) -> DecisionContext:
        """The request and the tenant's counts (no catalogue), in one round trip."""

    def get_counts(self, tenant: str) -> Versioned[RequestCounts] | None: ...

    def holders(self, tenant: str, product_id: str, emails: Sequence[str]) -> set[str]:
        """Which of `emails` (lower-case) already hold `product_id`."""

    def commit_approval(self, tenant: str, write: ApprovalWrite) -> str | None:
        """The outbox row's etag; StaleRequest, StaleProduct or AlreadyAssigned on a lost race."""

    def commit_denial(self, tenant: str, write: DenialWrite) -> str | None:
        """The outbox row's etag; StaleRequest when a race was lost."""

    def list_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
        product_ids: Sequence[str] | None = None,
        search: str | None = None,
        oldest_first: bool = False,
    ) -> Page[RequestSummary]:
        """A page of the view, newest (or oldest) first; only these products' requests, and
        those whose requester's name or address or product's name holds `search`."""

    def list_user_requests(
        self,
        tenant: str,
        user_id: str,
        email: str,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[LicenseRequest]:
        """Requests the user submitted or is named in (by object id or address), newest
        first (X4, X12)."""

    def iter_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        since: datetime,
        since_inclusive: bool,
        before: datetime | None,
    ) -> Iterator[LicenseRequest]:
        """The requests of `view` created after (or at) `since` and before `before`, newest
        first, read page by page as iterated (the export)."""

    def waitlist(self, tenant: str, product_id: str, limit: int = 10_000) -> list[WaitEntry]:
        """The product's waitlist, in queue order (the first `limit` entries)."""

    def commit_fill(self, tenant: str, write: FillWrite) -> None:
        """Seat the first waiting users; StaleProduct when anything moved meanwhile."""

    def remove_waiting(self, tenant: str, write: RemovalWrite) -> None:
        """Take someone off a waitlist; StaleProduct when anything moved meanwhile."""

    def register_tenant(self, tenant: str) -> None:
        """Remember that the tenant exists (the retention sweep visits known tenants)."""

    def schedule_due(self, entries: Sequence[DueEntry]) -> None:
        """Index licences to warn about and reclaim (before the write that assigns them)."""

    def note_waitlist(self, tenant: str, product_id: str) -> None:
        """Remember that the product has people waiting (the maxWait sweep's work)."""

    def get_connection(self, tenant: str) -> Versioned[Microsoft365Connection] | None: ...

    def save_connection(
        self, tenant: str, connection: Microsoft365Connection, etag: str | None
    ) -> None:
        """Create or replace at `etag` (StoreConflict when it moved), and mark the tenant
        connected or not for the catalogue sync."""

    def save_catalogue(
        self,
        tenant: str,
        products: Sequence[tuple[Product, str | None]],
        removed: Sequence[tuple[str, str]],
    ) -> None:
        """Write products (create when the etag is None, else replace at it) and delete
        (id, etag) pairs: a catalogue sync; StoreConflict when a product moved."""

    def commit_fulfilment(self, tenant: str, write: FulfilmentWrite) -> None:
        """StaleRequest or StaleProduct when a race was lost."""

    def commit_retry(self, tenant: str, write: DenialWrite) -> str | None:
        """A request's failed users made pending again with a fulfilment notice; the
        notice row's etag; StaleRequest when a race was lost."""

    def connected_tenants(self) -> list[str]:
        """Every tenant connected to Microsoft 365."""

    def remember_unqueued(self, tenant: str, key: str) -> None:
        """Note that a committed notice could not be queued (the relay timer queues it)."""

    def note_requests_on(self, tenant: str, day: date) -> None:
        """Index that the tenant creates requests on `day` (the retention sweep's index)."""


@dataclass(frozen=True)
class OutboxRow:
    """A committed notice and how far its delivery got."""

    key: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0
    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    lease_owner: str | None = None
    lease_until: datetime | None = None
    relay_count: int = 0
    relayed_at: datetime | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """What the queue message of an outbox row says.

    Where the row is, and, when the row was just written, its version (`etag`) and
    `payload`: the worker then claims the row with one conditional write instead of
    reading it first. Without them (a payload too large for a message, or an older
    message) the worker reads the row.
    """

    tenant: str
    key: str
    etag: str | None = None
    payload: Mapping[str, Any] | None = None


class OutboxStore(Protocol):
    """Delivery bookkeeping of outbox rows (written by decisions and submits)."""

    def get_outbox(self, tenant: str, key: str) -> Versioned[OutboxRow] | None: ...

    def lease_outbox(
        self, tenant: str, key: str, attempts: int, owner: str, until: datetime, etag: str
    ) -> None:
        """Save attempts and lease at `etag`; StoreConflict when it moved or is gone."""

    def mark_outbox(
        self, tenant: str, key: str, sent: Sequence[str], failed: Sequence[str], attempts: int
    ) -> None:
        """Record which recipients are done, and the attempts so far."""

    def delete_outbox(self, tenant: str, key: str) -> None:
        """Delivery finished; no error when already gone."""

    def outbox_under(self, tenant: str, prefix: str) -> list[Versioned[OutboxRow]]:
        """The outbox rows whose key starts with `prefix` (one request's notices)."""

    def mark_relayed(self, tenant: str, row: OutboxRow, etag: str) -> str:
        """Save relay bookkeeping at `etag` and return the new etag; StoreConflict when it moved."""

    def unqueued(self) -> list[tuple[str, str]]:
        """(tenant, key) of every notice noted as not queued, across all tenants."""

    def forget_unqueued(self, tenant: str, key: str) -> None:
        """The notice was queued (or is gone): no more to do for it."""


class PurgeStore(Protocol):
    """What the retention sweep needs from storage."""

    def known_tenants(self) -> list[str]: ...

    def created_on_or_before(self, day: date) -> list[str]:
        """Tenants that created requests on `day` or before (the expiry index)."""

    def index_since(self, now: datetime) -> datetime:
        """When the expiry index began (recorded now if it had not)."""

    def forget_days_before(self, day: date) -> None:
        """Drop the index of days whose requests are all gone."""

    def purge_expired(self, tenant: str, created_up_to: datetime) -> int: ...


@dataclass(frozen=True)
class NotificationState:
    """A tenant's notification settings as read, each row with its version (None: not
    stored yet): the own-request-process row (`notifyAdmins`) and the reminders row."""

    process: Versioned[RequestProcess] | None
    reminders: Versioned[ReminderSettings] | None


class ReminderStore(Protocol):
    """What the notification settings and the reminder timer need from storage."""

    def tenants_with_requests_between(self, first: date, last: date) -> list[str]:
        """Tenants that created requests on a day from `first` to `last` (the index the
        retention sweep keeps)."""

    def notification_state(self, tenant: str) -> NotificationState: ...

    def save_notifications(
        self,
        tenant: str,
        read: NotificationState,
        reminders: ReminderSettings,
        process: RequestProcess | None,
    ) -> None:
        """Write the reminders row (and the process row, unless None) at the versions
        `read`, in one transaction; StoreConflict when either moved."""

    def pending_between(
        self, tenant: str, after: datetime, up_to: datetime, limit: int
    ) -> list[RequestSummary]:
        """Pending requests created after `after` and at or before `up_to` (one range)."""

    def commit_digest(
        self, tenant: str, read: NotificationState, reminders: ReminderSettings, notice: Notice
    ) -> str | None:
        """Write the reminders row (its `last_digest`) at its version and create the
        digest's outbox row, in one transaction; StoreConflict when the row moved or the
        notice exists. The outbox row's etag."""


class Notifier(Protocol):
    """Hands committed outbox rows to the delivery queue (best effort: the relay catches up)."""

    def publish(self, message: OutboxMessage, delay: float = 0) -> None:
        """Queue the message, visible after `delay` seconds."""


@dataclass(frozen=True)
class OutgoingEmail:
    """One rendered email to one recipient."""

    to: str
    to_name: str | None
    subject: str
    text: str
    html: str
    # Stable per (notice, recipient): senders use it to never send the same email twice.
    key: str

    def __post_init__(self) -> None:
        # Header fields are one line whatever was stored (a name from before names were
        # checked, say): a CR or LF there makes a sender refuse the email for good.
        object.__setattr__(self, "subject", one_line(self.subject))
        if self.to_name is not None:
            object.__setattr__(self, "to_name", one_line(self.to_name) or None)


class EmailSendError(Exception):
    """Sending failed. `permanent` failures (e.g. a rejected address) are not retried."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


class EmailSender(Protocol):
    """Delivers one email or raises EmailSendError."""

    def send(self, email: OutgoingEmail) -> None: ...
