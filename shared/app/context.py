"""What every use case shares: its ports, the clock, retention and the retry loop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from shared.app.ports import Clock, Notifier, OutboxMessage, RequestStore
from shared.app.records import Versioned
from shared.app.recovery import SAFETY_DELAY
from shared.app.retry import retry_on_conflict, too_busy
from shared.domain import rules
from shared.domain.errors import NotFound
from shared.domain.identity import ADMIN_ROLES, Principal
from shared.domain.ids import is_request_id, truncate_to_millis
from shared.domain.models import LicenseRequest
from shared.domain.notices import Notice, notices_prefix

log = logging.getLogger("shared.app")
T = TypeVar("T")


@dataclass(frozen=True)
class UseCaseContext:
    """The injected ports and settings of the use cases."""

    store: RequestStore
    clock: Clock
    retention: timedelta
    notifier: Notifier | None = None
    # Runs independent reads side by side; None runs them one after the other.
    executor: Executor | None = None
    sleep: Callable[[float], None] = time.sleep
    # How long before a time-limited licence ends its holder is told (X14).
    reclaim_notice: timedelta = timedelta(days=7)

    def now(self) -> datetime:
        """Now, at the millisecond precision ids and stored times use."""
        return truncate_to_millis(self.clock.now())

    def visible(self, request: LicenseRequest) -> bool:
        """X8: an expired request does not exist, swept or not."""
        return not rules.is_expired(request.created_at, self.clock.now(), self.retention)

    def cutoff(self) -> datetime:
        """Requests created at or before this instant are expired."""
        return rules.retention_cutoff(self.clock.now(), self.retention)

    def read_request(self, who: Principal, request_id: str) -> Versioned[LicenseRequest]:
        """A visible request of the caller's tenant, or 404 (X7, X8)."""
        found = is_request_id(request_id) and self.store.get_request(who.tenant_id, request_id)
        if not found or not self.visible(found.value):
            raise NotFound("No such request.")
        return found

    def is_admin(self, who: Principal) -> bool:
        """R5: the caller holds an admin role that manages the tenant's requests (a License
        or User Administrator costs one read: the tenant may have narrowed the roles)."""
        if who.is_global_admin or not who.roles:
            return who.is_global_admin
        process = self.store.get_request_process(who.tenant_id)
        roles = process.value.approver_roles if process else ADMIN_ROLES
        return rules.manages_requests(who, roles)

    def require_admin(self, who: Principal) -> None:
        """403 unless the caller manages the tenant's requests (R5)."""
        if not self.is_admin(who):
            raise rules.not_an_admin()

    def decidable(self, who: Principal) -> set[str] | None:
        """The products whose requests the caller may manage: None for all (admins), else
        those they approve (the catalogue is read only then); 403 when none."""
        if self.is_admin(who):
            return None
        catalogue = self.store.get_catalogue(who.tenant_id)
        mine = rules.approves(who, (p.value for p in catalogue.values()))
        if not mine:
            raise rules.not_an_admin()
        return mine

    @staticmethod
    def require_product(products: set[str] | None, request: LicenseRequest) -> None:
        """404 when the request's product is not among `products` (None: all)."""
        if products is not None and request.product_id not in products:
            raise NotFound("No such request.")

    def retry(self, attempt: Callable[[int], T], give_up: Callable[[], Exception] = too_busy) -> T:
        """`attempt` again after each lost race (see `retry_on_conflict`)."""
        return retry_on_conflict(attempt, sleep=self.sleep, give_up=give_up)

    def meanwhile(self, read: Callable[[], T]) -> Callable[[], T]:
        """Start `read` now and return how to get its result: one round trip's wall time."""
        if self.executor is None:
            value = read()
            return lambda: value
        return self.executor.submit(read).result

    def safety_net(self, tenant: str, request_id: str) -> Callable[[], None]:
        """Start putting a safety message for the request's notices (shown after
        SAFETY_DELAY); call the result before committing, to be sure it went out first."""
        if self.notifier is None:
            return lambda: None
        notifier = self.notifier
        message = OutboxMessage(tenant, notices_prefix(request_id))

        def put() -> None:
            try:
                notifier.publish(message, delay=SAFETY_DELAY.total_seconds())
            except Exception:  # the queue is down: a failed publish is noted, see below
                log.warning("safety message for %s not queued", request_id)

        return self.meanwhile(put)

    def publish(self, tenant: str, notice: Notice | None, etag: str | None) -> None:
        """Queue a committed notice; when that fails it is noted for the relay timer."""
        if notice is None or self.notifier is None:
            return
        try:
            self.notifier.publish(
                OutboxMessage(tenant, notice.id, etag=etag, payload=notice.payload)
            )
        except Exception:  # delivery is retried by the outbox relay
            log.warning(
                "notice for %s not queued now; the relay will",
                notice.request_id,
                extra={"tenant_id": tenant, "request_id": notice.request_id, "outcome": "deferred"},
            )
            try:
                self.store.remember_unqueued(tenant, notice.id)
            except Exception:  # storage too: the safety message is the last resort
                log.exception("unqueued notice %s not noted", notice.id)
