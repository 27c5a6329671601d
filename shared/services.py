"""Use cases of SPEC §6: each takes the caller and a validated command, returns models.

Services hold no Azure types: the store, clock and notifier are injected ports.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared import rules
from shared.auth import Principal
from shared.cursors import CursorCodec
from shared.errors import (
    InsufficientLicenses,
    InvalidRequest,
    NotFound,
    OwnRequestProcess,
    SelfServiceAllowed,
    StorageUnavailable,
    UnknownProduct,
)
from shared.ids import is_request_id, new_request_id, truncate_to_millis
from shared.models import (
    ApproveCommand,
    DenyCommand,
    LicenseRequest,
    ListView,
    Page,
    Product,
    ProductPut,
    RequestCreate,
    RequestProcess,
    RequestProcessPut,
    RequestSummary,
    is_valid_id,
)
from shared.notices import decision_notice, submitted_notice
from shared.ports import (
    AlreadyAssigned,
    ApprovalWrite,
    Clock,
    DenialWrite,
    NewRequestWrite,
    Notice,
    Notifier,
    OutboxMessage,
    PendingExists,
    RequestStore,
    StaleProduct,
    StaleRequest,
    StoreConflict,
    Versioned,
)

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Each lost race means another writer won, so N contenders settle within N attempts.
MAX_ATTEMPTS = 30
_VIEWS: tuple[ListView, ...] = ("pending", "completed", "all")


@dataclass(frozen=True)
class SubmitResult:
    """The request, and whether this call created it (201) or found it pending (200, X3)."""

    request: LicenseRequest
    created: bool


@dataclass(frozen=True)
class RequestList:
    """One page of the admins' Requests list, with the own-process state (R6)."""

    items: list[RequestSummary]
    next_cursor: str | None
    process: RequestProcess


@dataclass(frozen=True)
class MyRequests:
    """One page of the caller's own requests (X4)."""

    items: list[LicenseRequest]
    next_cursor: str | None


def parse_limit(raw: str | None) -> int:
    """`limit` query parameter: 1..100, default 50."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.", field="limit")
    return int(raw)


def parse_view(raw: str | None) -> ListView | None:
    """`status` query parameter: pending, completed or all."""
    if raw is None or raw == "":
        return None
    for view in _VIEWS:
        if raw == view:
            return view
    raise InvalidRequest("status must be pending, completed or all.", field="status")


@functools.cache
def _parallel() -> ThreadPoolExecutor:
    """A small shared pool for reads that do not depend on each other."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="parallel-read")


class LicenseService:
    """The request lifecycle: catalogue, settings, submit, list, read, decide."""

    def __init__(
        self,
        store: RequestStore,
        clock: Clock,
        *,
        retention: timedelta,
        cursors: CursorCodec,
        notifier: Notifier | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention
        self._cursors = cursors
        self._notifier = notifier
        self._sleep = sleep

    # -- helpers ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return truncate_to_millis(self._clock.now())

    def _backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, 0.005 * min(attempt, 8)))

    def _visible(self, request: LicenseRequest) -> bool:
        return not rules.is_expired(request.created_at, self._clock.now(), self._retention)

    def _cutoff(self) -> datetime:
        return rules.retention_cutoff(self._clock.now(), self._retention)

    def _publish(self, tenant: str, notice: Notice | None, etag: str | None) -> None:
        # The outbox row is already committed; a failed publish is caught up by the relay.
        if notice is None or self._notifier is None:
            return
        try:
            self._notifier.publish(
                OutboxMessage(tenant, notice.outbox_key, etag=etag, payload=notice.payload)
            )
        except Exception:  # noqa: BLE001 - delivery is retried by the outbox relay
            log.warning(
                "notice for %s not queued now; the relay will",
                notice.request_id,
                extra={"tenant_id": tenant, "request_id": notice.request_id, "outcome": "deferred"},
            )

    def _too_busy(self) -> StorageUnavailable:
        return StorageUnavailable("Too many concurrent changes; try again.", retry_after=1)

    def _gave_up(self, what: str, who: Principal, request_id: str) -> StorageUnavailable:
        log.warning(
            "licence request %s gave up after concurrent changes",
            what,
            extra={"tenant_id": who.tenant_id, "request_id": request_id, "outcome": "busy"},
        )
        return self._too_busy()

    # -- catalogue -------------------------------------------------------------------------

    def list_products(self, who: Principal) -> list[Product]:
        """Every product of the caller's tenant."""
        return sorted(self._store.list_products(who.tenant_id), key=lambda p: p.name.lower())

    def put_product(self, who: Principal, product_id: str, body: ProductPut) -> Product:
        """Create or replace a product; its assigned count is kept (X1)."""
        rules.require_admin(who)
        if not is_valid_id(product_id):
            raise InvalidRequest("productId must be 1-64 letters, digits, '.', '_' or '-'.")
        for attempt in range(MAX_ATTEMPTS):
            current = self._store.get_product(who.tenant_id, product_id)
            assigned = current.value.assigned_licenses if current else 0
            rules.check_total_licenses(body.total_licenses, assigned)
            product = Product(
                id=product_id,
                name=body.name,
                self_service_purchase=body.self_service_purchase,
                service_plans=body.service_plans,
                total_licenses=body.total_licenses,
                assigned_licenses=assigned,
                updated_at=self._now(),
                updated_by=rules.person(who),
            )
            try:
                self._store.save_product(who.tenant_id, product, current.etag if current else None)
            except StoreConflict:
                self._backoff(attempt)
                continue
            self._store.register_tenant(who.tenant_id)
            return product
        raise self._too_busy()

    # -- own request process ---------------------------------------------------------------

    def get_request_process(self, who: Principal) -> RequestProcess:
        """The tenant's own-process switch (everyone may read it: the UI depends on it)."""
        current = self._store.get_request_process(who.tenant_id)
        return current.value if current else RequestProcess()

    def put_request_process(self, who: Principal, change: RequestProcessPut) -> RequestProcess:
        """R6/R7: switch the own request process on or off, with audit (X9)."""
        rules.require_admin(who)
        for attempt in range(MAX_ATTEMPTS):
            current = self._store.get_request_process(who.tenant_id)
            updated = rules.updated_request_process(
                current.value if current else RequestProcess(),
                change,
                rules.person(who),
                self._now(),
            )
            try:
                self._store.save_request_process(
                    who.tenant_id, updated, current.etag if current else None
                )
            except StoreConflict:
                self._backoff(attempt)
                continue
            self._store.register_tenant(who.tenant_id)
            return updated
        raise self._too_busy()

    # -- submit ----------------------------------------------------------------------------

    def submit(self, who: Principal, body: RequestCreate) -> SubmitResult:
        """R1, R2, R6, X3: ask for a licence to a blocked product."""
        tenant = who.tenant_id
        for attempt in range(MAX_ATTEMPTS):
            ctx = self._store.load_submit_context(tenant, body.product_id, who.user_id)
            product = ctx.product
            if product is None:
                raise UnknownProduct(f"There is no product {body.product_id!r}.")
            if product.self_service_purchase == "allowed":
                raise SelfServiceAllowed(
                    f"{product.name} can be bought with self-service; no request is needed."
                )
            if ctx.process.use_own_process:
                raise OwnRequestProcess(
                    ctx.process.message or "Your organisation uses its own request process.",
                    message=ctx.process.message,
                    documentationUrl=ctx.process.documentation_url,
                )
            if ctx.pending_id is not None:
                existing = self._store.get_request(tenant, ctx.pending_id)
                if (
                    existing
                    and existing.value.status == "pending"
                    and self._visible(existing.value)
                ):
                    return SubmitResult(existing.value, created=False)
            now = self._now()
            request = rules.new_request(
                new_request_id(now), body, product, rules.person(who), now, self._retention
            )
            recipients = ctx.process.notify_admins
            notice = submitted_notice(request, recipients) if recipients else None
            try:
                outbox_etag = self._store.create_request(
                    tenant, NewRequestWrite(request, ctx.pending_marker_etag, notice)
                )
            except PendingExists:
                self._backoff(attempt)
                continue
            self._publish(tenant, notice, outbox_etag)
            return SubmitResult(request, created=True)
        raise self._too_busy()

    # -- reads -----------------------------------------------------------------------------

    def list_requests(
        self, who: Principal, status: str | None, limit: str | None, cursor: str | None
    ) -> RequestList:
        """R3, R6: the admins' Requests list, newest first."""
        rules.require_admin(who)
        view_param = parse_view(status)
        page_size = parse_limit(limit)

        def page_of(view: ListView) -> tuple[Page[RequestSummary], str]:
            scope = f"{who.tenant_id}|requests|{view}"
            after_key = self._cursors.decode(scope, cursor)
            return self._store.list_requests(
                who.tenant_id,
                view,
                created_after=self._cutoff(),
                limit=page_size,
                after_key=after_key,
            ), scope

        if view_param is None:
            # The default view depends on the setting (R6): read it first.
            process = self.get_request_process(who)
            page, scope = page_of("pending" if process.use_own_process else "all")
        else:
            # Independent reads: run them side by side, so the call costs one round trip's time.
            settings_read = _parallel().submit(self.get_request_process, who)
            page, scope = page_of(view_param)
            process = settings_read.result()
        return RequestList(page.items, self._cursors.encode(scope, page.next_key), process)

    def get_request(self, who: Principal, request_id: str) -> LicenseRequest:
        """One request, for an admin or its requester; anything else is 404 (X7, X8)."""
        found = self._read(who, request_id)
        if not rules.can_read_request(who, found.value):
            raise NotFound("No such request.")
        return found.value

    def _read(self, who: Principal, request_id: str) -> Versioned[LicenseRequest]:
        found = is_request_id(request_id) and self._store.get_request(who.tenant_id, request_id)
        if not found or not self._visible(found.value):
            raise NotFound("No such request.")
        return found

    def my_requests(self, who: Principal, limit: str | None, cursor: str | None) -> MyRequests:
        """X4: the caller's own requests with their outcomes, newest first."""
        page_size = parse_limit(limit)
        scope = f"{who.tenant_id}|mine|{who.user_id}"
        page = self._store.list_user_requests(
            who.tenant_id,
            who.user_id,
            created_after=self._cutoff(),
            limit=page_size,
            after_key=self._cursors.decode(scope, cursor),
        )
        return MyRequests(page.items, self._cursors.encode(scope, page.next_key))

    # -- decisions -------------------------------------------------------------------------

    def approve(self, who: Principal, request_id: str, command: ApproveCommand) -> LicenseRequest:
        """R9-R12, X1, X5: assign licences in one transaction, or fail with nothing changed."""
        rules.require_admin(who)
        if not is_request_id(request_id):
            raise NotFound("No such request.")
        holders: set[str] = set()
        holders_of: str | None = None
        for attempt in range(MAX_ATTEMPTS):
            ctx = self._store.load_decision_context(who.tenant_id, request_id)
            if ctx.request is None or not self._visible(ctx.request.value):
                raise NotFound("No such request.")
            catalogue = {pid: v.value for pid, v in ctx.catalogue.items()}
            target = command.product_id or ctx.request.value.product_id
            try:
                plan = rules.plan_approval(
                    ctx.request.value,
                    catalogue,
                    command,
                    holders if holders_of == target else set(),
                    rules.person(who),
                    self._now(),
                )
            except InsufficientLicenses:
                if holders_of == target:
                    raise
                # Users who already hold the product need no seat: learn who they are
                # before saying no (this read happens only on this path).
                holders = self._holders(who.tenant_id, target, ctx.request.value)
                holders_of = target
                continue
            notice = decision_notice(plan.request, plan.product)
            write = ApprovalWrite(
                before=ctx.request,
                after=plan.request,
                product=ctx.catalogue[plan.product.id],
                assigned_emails=plan.newly_assigned,
                notice=notice,
            )
            try:
                outbox_etag = self._store.commit_approval(who.tenant_id, write)
            except AlreadyAssigned:
                # Someone in the request already holds the product: learn who, then retry.
                holders = self._holders(who.tenant_id, plan.product.id, ctx.request.value)
                holders_of = plan.product.id
                continue
            except (StaleRequest, StaleProduct):
                self._backoff(attempt)
                continue
            self._publish(who.tenant_id, notice, outbox_etag)
            outcomes = Counter(u.outcome for u in plan.request.users)
            log.info(
                "licence request approved",
                extra={
                    "tenant_id": who.tenant_id,
                    "request_id": request_id,
                    "outcome": "approved",
                    "product_id": plan.product.id,
                    "actor_id": who.user_id,
                    "users": len(plan.request.users),
                    "assigned": len(plan.newly_assigned),
                    "already_licensed": outcomes["alreadyLicensed"],
                    "not_assigned": outcomes["notAssigned"],
                    "attempts": attempt + 1,
                },
            )
            return plan.request
        raise self._gave_up("approval", who, request_id)

    def _holders(self, tenant: str, product_id: str, request: LicenseRequest) -> set[str]:
        return self._store.holders(tenant, product_id, [u.email for u in request.users])

    def deny(self, who: Principal, request_id: str, command: DenyCommand) -> LicenseRequest:
        """R8, X5: deny the whole request, once."""
        rules.require_admin(who)
        for attempt in range(MAX_ATTEMPTS):
            current = self._read(who, request_id)
            denied = rules.plan_denial(
                current.value, command.message, rules.person(who), self._now()
            )
            notice = decision_notice(denied, None)
            try:
                outbox_etag = self._store.commit_denial(
                    who.tenant_id, DenialWrite(current, denied, notice)
                )
            except StaleRequest:
                self._backoff(attempt)
                continue
            self._publish(who.tenant_id, notice, outbox_etag)
            log.info(
                "licence request denied",
                extra={
                    "tenant_id": who.tenant_id,
                    "request_id": request_id,
                    "outcome": "denied",
                    "actor_id": who.user_id,
                    "users": len(denied.users),
                    "attempts": attempt + 1,
                },
            )
            return denied
        raise self._gave_up("denial", who, request_id)
