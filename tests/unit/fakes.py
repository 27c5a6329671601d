"""An in-memory RequestStore with the table store's concurrency semantics, for fast
use-case tests. The Azurite-backed suites remain the truth about storage; this fake
keeps the contract of `shared.app.ports.RequestStore`: ETag-checked writes, one
transaction per decision, and the conflicts the table store reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from shared.app.directory import Assignment, AssignmentResult
from shared.app.ports import (
    AlreadyAssigned,
    NotificationState,
    OutboxMessage,
    PendingExists,
    StaleProduct,
    StaleRequest,
    StoreConflict,
)
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
from shared.domain.errors import DirectoryUnavailable
from shared.domain.microsoft365 import DirectoryUser, Microsoft365Connection, SubscribedSku
from shared.domain.models import (
    Failure,
    LicenseRequest,
    ListView,
    Page,
    Product,
    RequestProcess,
    RequestSummary,
)
from shared.domain.notices import Notice, is_notices_prefix
from shared.domain.reminders import ReminderSettings
from shared.domain.terms import DueEntry
from shared.domain.waitlist import WaitEntry

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
    connection: Versioned[Microsoft365Connection] | None = None
    counts: Versioned[RequestCounts] | None = None
    waiting: dict[tuple[str, str], WaitEntry] = field(default_factory=dict)


class FakeRequestStore:
    """RequestStore in memory; `conflicts` makes the next N decision commits lose a race."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.registered: set[str] = set()
        self.scheduled: list[DueEntry] = []
        self.waitlists_noted: set[tuple[str, str]] = set()
        self.connected: set[str] = set()
        self.unqueued: set[tuple[str, str]] = set()
        self.days: set[tuple[str, date]] = set()
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

    def get_catalogue(self, tenant: str) -> dict[str, Versioned[Product]]:
        return dict(self.tenant(tenant).products)

    def save_catalogue(
        self,
        tenant: str,
        products: Sequence[tuple[Product, str | None]],
        removed: Sequence[tuple[str, str]],
    ) -> None:
        t = self.tenant(tenant)
        for product, etag in products:
            current = t.products.get(product.id)
            if (current.etag if current else None) != etag:
                raise StoreConflict(product.id)
        for product_id, etag in removed:
            if t.products[product_id].etag != etag:
                raise StoreConflict(product_id)
        for product, _ in products:
            t.products[product.id] = Versioned(product, _etag())
        for product_id, _ in removed:
            del t.products[product_id]

    def get_connection(self, tenant: str) -> Versioned[Microsoft365Connection] | None:
        return self.tenant(tenant).connection

    def save_connection(
        self, tenant: str, connection: Microsoft365Connection, etag: str | None
    ) -> None:
        current = self.tenant(tenant).connection
        if (current.etag if current else None) != etag:
            raise StoreConflict("connection")
        self.tenant(tenant).connection = Versioned(connection, _etag())
        (self.connected.add if connection.connected else self.connected.discard)(tenant)

    def connected_tenants(self) -> list[str]:
        return sorted(self.connected)

    def remember_unqueued(self, tenant: str, key: str) -> None:
        self.unqueued.add((tenant, key))

    def note_requests_on(self, tenant: str, day: date) -> None:
        self.days.add((tenant, day))

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

    def schedule_due(self, entries: Sequence[DueEntry]) -> None:
        self.scheduled.extend(entries)

    def note_waitlist(self, tenant: str, product_id: str) -> None:
        self.waitlists_noted.add((tenant, product_id))

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
            connection=t.connection.value if t.connection else None,
            counts=t.counts,
        )

    def create_request(self, tenant: str, write: NewRequestWrite) -> str | None:
        t, request = self.tenant(tenant), write.request
        key = (request.product_id, request.requester.id)
        marker = t.markers.get(key)
        if (marker.etag if marker else None) != write.replace_marker_etag:
            raise PendingExists(request.id)
        self._check_counts(t, write.counts)
        t.markers[key] = Versioned(request.id, _etag())
        t.requests[request.id] = Versioned(request, _etag())
        self._count(t, write.counts)
        return self._add_notice(t, write.notice)

    @staticmethod
    def _check_counts(t: Tenant, counts: Counted | None) -> None:
        if counts is not None and counts.etag != (t.counts.etag if t.counts else None):
            raise StoreConflict("counts")

    @staticmethod
    def _count(t: Tenant, counts: Counted | None) -> None:
        if counts is not None:
            t.counts = Versioned(counts.counts, _etag())

    def waitlist(self, tenant: str, product_id: str, limit: int = 10_000) -> list[WaitEntry]:
        entries = self.tenant(tenant).waiting
        return [entries[k] for k in sorted(entries) if k[0] == product_id][:limit]

    def _seats(self, t: Tenant, product: Versioned[Product], counted: Product) -> None:
        if t.products[product.value.id].etag != product.etag:
            raise StaleProduct(product.value.id)
        t.products[product.value.id] = Versioned(counted, _etag())

    def commit_fill(self, tenant: str, write: FillWrite) -> None:
        t = self.tenant(tenant)
        if any((e.product_id, e.key) not in t.waiting for e in write.seated) or any(
            t.requests[i].etag != v.etag for i, v in write.before.items()
        ):
            raise StaleProduct("moved")
        self._seats(t, write.product, write.counted)
        for entry in write.seated:
            del t.waiting[(entry.product_id, entry.key)]
        t.assignments.update((e.product_id, e.email.lower()) for e in write.assigned)
        for request_id, after in write.after.items():
            t.requests[request_id] = Versioned(after, _etag())
        for notice in write.notices:
            t.outbox[notice.id] = notice

    def remove_waiting(self, tenant: str, write: RemovalWrite) -> None:
        t = self.tenant(tenant)
        if (write.entry.product_id, write.entry.key) not in t.waiting:
            raise StaleProduct("gone")
        self._seats(t, write.product, write.counted)
        del t.waiting[(write.entry.product_id, write.entry.key)]
        if write.after is not None:
            t.requests[write.after.id] = Versioned(write.after, _etag())
        if write.notice is not None:
            t.outbox[write.notice.id] = write.notice

    def get_counts(self, tenant: str) -> Versioned[RequestCounts] | None:
        return self.tenant(tenant).counts

    def load_denial_context(self, tenant: str, request_id: str) -> DecisionContext:
        self.reads += 1
        t = self.tenant(tenant)
        return DecisionContext(request=t.requests.get(request_id), catalogue={}, counts=t.counts)

    def merge_request(
        self,
        tenant: str,
        before: Versioned[LicenseRequest],
        after: LicenseRequest,
        counts: Counted | None = None,
    ) -> None:
        t = self.tenant(tenant)
        self._lose_a_race()
        if t.requests[after.id].etag != before.etag:
            raise StaleRequest(after.id)
        self._check_counts(t, counts)
        t.requests[after.id] = Versioned(after, _etag())
        self._count(t, counts)

    # -- reads ----------------------------------------------------------------------------

    def get_request(self, tenant: str, request_id: str) -> Versioned[LicenseRequest] | None:
        self.reads += 1
        return self.tenant(tenant).requests.get(request_id)

    def load_decision_context(self, tenant: str, request_id: str) -> DecisionContext:
        self.reads += 1
        t = self.tenant(tenant)
        return DecisionContext(
            request=t.requests.get(request_id), catalogue=dict(t.products), counts=t.counts
        )

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
        product_ids: Sequence[str] | None = None,
        search: str | None = None,
        oldest_first: bool = False,
    ) -> Page[RequestSummary]:
        def shown(r: LicenseRequest) -> bool:
            if product_ids is not None and r.product_id not in product_ids:
                return False
            texts = (r.requester.name, r.requester.email, r.product_name)
            if search and not any(search.casefold() in t.casefold() for t in texts):
                return False
            return view == "all" or (r.status == "pending") == (view == "pending")

        every = self._newest_first(tenant, created_after, None)
        if oldest_first:
            every.reverse()
        if after_key is not None:
            every = [r for r in every if (r.id < after_key if oldest_first else r.id > after_key)]
        rows = [r for r in every if shown(r)]
        return Page[RequestSummary](
            items=[r.summary() for r in rows[:limit]],
            next_key=rows[limit - 1].id if len(rows) > limit else None,
        )

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
        def names(r: LicenseRequest) -> bool:
            return r.requester.id == user_id or any(
                (u.directory_id or "").lower() == user_id.lower()
                or u.email.lower() == email.lower()
                for u in r.users[1:]
            )

        rows = [r for r in self._newest_first(tenant, created_after, after_key) if names(r)]
        return Page[LicenseRequest](
            items=rows[:limit], next_key=rows[limit - 1].id if len(rows) > limit else None
        )

    def iter_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        since: datetime,
        since_inclusive: bool,
        before: datetime | None,
    ) -> Iterator[LicenseRequest]:
        for request in self._newest_first(tenant, datetime.min.replace(tzinfo=since.tzinfo), None):
            after = request.created_at >= since if since_inclusive else request.created_at > since
            in_view = view == "all" or (request.status == "pending") == (view == "pending")
            if after and in_view and (before is None or request.created_at < before):
                yield request

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
        if write.counted != write.product.value and product.etag != write.product.etag:
            raise StaleProduct(product.value.id)
        for email in write.assigned_emails:
            if (product.value.id, email) in t.assignments:
                raise AlreadyAssigned(email)
        self._check_counts(t, write.counts)
        self._count(t, write.counts)
        if write.counted != write.product.value:
            t.products[product.value.id] = Versioned(write.counted, _etag())
        t.assignments.update((product.value.id, e) for e in write.assigned_emails)
        t.waiting.update(((e.product_id, e.key), e) for e in write.waitlisted)
        self._decide(t, write.after)
        return self._add_notice(t, write.notice)

    def commit_denial(self, tenant: str, write: DenialWrite) -> str | None:
        t = self.tenant(tenant)
        self._lose_a_race()
        if t.requests[write.after.id].etag != write.before.etag:
            raise StaleRequest(write.after.id)
        self._check_counts(t, write.counts)
        self._count(t, write.counts)
        self._decide(t, write.after)
        return self._add_notice(t, write.notice)

    def commit_fulfilment(self, tenant: str, write: FulfilmentWrite) -> None:
        t = self.tenant(tenant)
        self._lose_a_race()
        if t.requests[write.after.id].etag != write.before.etag:
            raise StaleRequest(write.after.id)
        if write.product and write.counted:
            if t.products[write.counted.id].etag != write.product.etag:
                raise StaleProduct(write.counted.id)
            t.products[write.counted.id] = Versioned(write.counted, _etag())
        t.requests[write.after.id] = Versioned(write.after, _etag())
        if write.done_notice:
            t.outbox.pop(write.done_notice, None)
        for notice in write.notices:
            t.outbox[notice.id] = notice

    def commit_retry(self, tenant: str, write: DenialWrite) -> str | None:
        t = self.tenant(tenant)
        if t.requests[write.after.id].etag != write.before.etag:
            raise StaleRequest(write.after.id)
        t.requests[write.after.id] = Versioned(write.after, _etag())
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
        self.delays: list[float] = []
        self.down = False

    def publish(self, message: OutboxMessage, delay: float = 0) -> None:
        if self.down:
            raise ConnectionError("queue unreachable")
        self.messages.append(message)
        self.delays.append(delay)

    def take(self) -> list[OutboxMessage]:
        """The notices queued so far (safety messages aside), and forget everything."""
        taken = [m for m in self.messages if not is_notices_prefix(m.key)]
        self.messages, self.delays = [], []
        return taken

    def notices(self) -> list[OutboxMessage]:
        """The notices queued so far, safety messages aside."""
        return [m for m in self.messages if not is_notices_prefix(m.key)]

    def safety(self) -> list[OutboxMessage]:
        """The safety messages queued so far."""
        return [m for m in self.messages if is_notices_prefix(m.key)]


class FakeDirectory:
    """The Directory port in memory: users, SKUs with seats, groups, and throttling."""

    def __init__(self) -> None:
        self.users: dict[str, DirectoryUser] = {}
        self.skus: dict[str, SubscribedSku] = {}
        self.groups: dict[str, tuple[str, set[str]]] = {}  # id -> (sku, members)
        self.throttle = 0  # the next N assignments answer "retry"
        self.down = False
        self.assign_calls = 0
        self.assigned: list[tuple[str, str, tuple[str, ...]]] = []

    def add_user(self, upn: str, *, enabled: bool = True, usage: str | None = "US") -> str:
        user_id = f"id-{upn.split('@')[0]}"
        self.users[user_id] = DirectoryUser(
            id=user_id,
            user_principal_name=upn,
            display_name=upn.split("@")[0].title(),
            mail=upn,
            enabled=enabled,
            usage_location=usage,
        )
        return user_id

    def add_sku(self, part: str, enabled: int, consumed: int = 0, **kw: object) -> SubscribedSku:
        sku = SubscribedSku(
            sku_id=f"sku-{part.lower()}",
            part_number=part,
            applies_to=str(kw.get("applies_to", "User")),
            capability_status=str(kw.get("status", "Enabled")),
            enabled=enabled,
            consumed=consumed,
            service_plans=(("plan-a", "TEAMS1"), ("plan-b", "EXCHANGE_S_ENTERPRISE")),
        )
        self.skus[sku.sku_id] = sku
        return sku

    def _check(self, tenant: str) -> None:
        if self.down:
            raise DirectoryUnavailable("Microsoft 365 cannot be reached.")

    def subscribed_skus(self, tenant: str) -> list[SubscribedSku]:
        self._check(tenant)
        return list(self.skus.values())

    def users_by_id(self, tenant: str, ids: Sequence[str]) -> dict[str, DirectoryUser | None]:
        self._check(tenant)
        return {i: self.users.get(i) for i in ids}

    def users_by_address(
        self, tenant: str, addresses: Sequence[str]
    ) -> dict[str, DirectoryUser | None]:
        self._check(tenant)
        found: dict[str, DirectoryUser | None] = {}
        for address in addresses:
            key = address.lower()
            found[key] = self.users.get(address) or next(
                (u for u in self.users.values() if u.user_principal_name.lower() == key), None
            )
        return found

    def search_users(self, tenant: str, text: str, limit: int) -> list[DirectoryUser]:
        self._check(tenant)
        hits = [
            u
            for u in self.users.values()
            if (u.display_name or "").lower().startswith(text.lower())
        ]
        return hits[:limit]

    def _seat(self, user_id: str, sku_id: str) -> Failure | None:
        user, sku = self.users.get(user_id), self.skus[sku_id]
        if user is None:
            return Failure(code="user_not_found", message=f"Resource '{user_id}' does not exist.")
        if not user.usage_location:
            return Failure(
                code="usage_location_missing",
                message="License assignment cannot be done for user with invalid usage location.",
            )
        if sku_id in user.sku_ids:
            return None
        if sku.consumed >= sku.enabled:
            return Failure(code="no_licenses_available", message="No available licenses.")
        self.skus[sku_id] = replace(sku, consumed=sku.consumed + 1)
        self.users[user_id] = replace(user, sku_ids=user.sku_ids | {sku_id})
        return None

    def assign_licenses(
        self, tenant: str, assignments: Sequence[Assignment]
    ) -> list[AssignmentResult]:
        self._check(tenant)
        self.assign_calls += 1
        results = []
        for a in assignments:
            if self.throttle:
                self.throttle -= 1
                results.append(AssignmentResult(a.user_id, "retry", retry_after=7))
                continue
            failure = self._seat(a.user_id, a.sku_id)
            if failure is None:
                self.assigned.append((a.user_id, a.sku_id, a.disabled_plans))
            results.append(
                AssignmentResult(a.user_id, "failed" if failure else "assigned", failure)
            )
        return results

    def remove_license(
        self, tenant: str, user_id: str, sku_id: str, group_id: str | None
    ) -> Literal["removed", "absent"]:
        self._check(tenant)
        user = self.users.get(user_id)
        if user is None or sku_id not in user.sku_ids:
            return "absent"
        self.users[user_id] = replace(user, sku_ids=user.sku_ids - {sku_id})
        sku = self.skus[sku_id]
        self.skus[sku_id] = replace(sku, consumed=sku.consumed - 1)
        if group_id:
            self.groups[group_id][1].discard(user_id)
        return "removed"

    def add_group_members(
        self, tenant: str, group_id: str, user_ids: Sequence[str]
    ) -> list[AssignmentResult]:
        self._check(tenant)
        sku_id, members = self.groups[group_id]
        results = []
        for user_id in user_ids:
            members.add(user_id)
            failure = self._seat(user_id, sku_id)
            if failure is not None and user_id in self.users:
                user = self.users[user_id]
                self.users[user_id] = replace(user, license_errors={sku_id: failure})
            results.append(AssignmentResult(user_id, "assigned"))
        return results


class FakeReminderStore:
    """ReminderStore in memory over a FakeRequestStore's tenants (their day index, process
    settings, requests and outbox), with the table store's version checks."""

    def __init__(self, requests: FakeRequestStore) -> None:
        self.requests = requests
        self.rows: dict[str, Versioned[ReminderSettings]] = {}
        self.visited: list[str] = []

    def tenants_with_requests_between(self, first: date, last: date) -> list[str]:
        return sorted({t for t, day in self.requests.days if first <= day <= last})

    def notification_state(self, tenant: str) -> NotificationState:
        self.visited.append(tenant)
        return NotificationState(self.requests.tenant(tenant).process, self.rows.get(tenant))

    def _check(self, tenant: str, read: NotificationState, process: bool) -> None:
        def etag(v: Versioned[Any] | None) -> str | None:
            return v.etag if v else None

        if etag(self.rows.get(tenant)) != etag(read.reminders) or (
            process and etag(self.requests.tenant(tenant).process) != etag(read.process)
        ):
            raise StoreConflict("notification settings moved")

    def save_notifications(
        self,
        tenant: str,
        read: NotificationState,
        reminders: ReminderSettings,
        process: RequestProcess | None,
    ) -> None:
        self._check(tenant, read, process is not None)
        self.rows[tenant] = Versioned(reminders, _etag())
        if process is not None:
            self.requests.tenant(tenant).process = Versioned(process, _etag())

    def pending_between(
        self, tenant: str, after: datetime, up_to: datetime, limit: int
    ) -> list[RequestSummary]:
        found = [
            v.value.summary()
            for v in self.requests.tenant(tenant).requests.values()
            if v.value.status == "pending" and after < v.value.created_at <= up_to
        ]
        return sorted(found, key=lambda s: s.id)[:limit]  # ids sort newest first

    def commit_digest(
        self, tenant: str, read: NotificationState, reminders: ReminderSettings, notice: Notice
    ) -> str | None:
        self._check(tenant, read, False)
        outbox = self.requests.tenant(tenant).outbox
        if notice.id in outbox:
            raise StoreConflict("the notice exists")
        self.rows[tenant] = Versioned(reminders, _etag())
        outbox[notice.id] = notice
        return _etag()
