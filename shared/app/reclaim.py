"""The reclaim timer's work (X14): warn holders of time-limited licences before their term
ends, take the licences back when it has (Microsoft 365: out of the user, or out of the
licensed group), hand the seats to the waitlist, and drop waitlist entries older than the
tenant's maxWait.

Its cost follows the work: it reads two ranges of the global due index (what is due by
now) and the list of products that have a waitlist, never the tenants. Each due entry is
checked against the assignment row, which is the truth: an extended, removed or never
committed licence leaves an entry that is simply dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import isodate

from shared.app.context import UseCaseContext
from shared.app.directory import Directory
from shared.app.licence_ports import HolderStore
from shared.app.ports import StoreConflict
from shared.app.records import ReclaimWrite, Versioned
from shared.app.waitlist import Waitlist
from shared.domain.errors import DirectoryUnavailable, RetryLater
from shared.domain.ids import to_millis
from shared.domain.models import Product
from shared.domain.terms import DEFAULT_MAX_WAIT, DueEntry, Holder, term_notice

log = logging.getLogger(__name__)
_Handler = Callable[[DueEntry, "ReclaimRun"], None]
# Entries handled per run and kind; the rest wait for the next run.
BATCH = 500


@dataclass
class ReclaimRun:
    """What one run did."""

    warned: int = 0
    reclaimed: int = 0
    dropped: int = 0  # stale index entries
    expired_waiting: int = 0
    postponed: list[str] = field(default_factory=list)  # tenants Microsoft 365 put off


def _same(a: datetime | None, b: datetime) -> bool:
    return a is not None and to_millis(a) == to_millis(b)


def waited_too_long(now: datetime, max_wait: str | None) -> datetime:
    """Entries placed at or before this instant leave the waitlist: the tenant's maxWait
    ago (P90D when unset or unreadable: a stored value never stops the sweep)."""
    try:
        oldest: datetime = now - isodate.parse_duration(max_wait or DEFAULT_MAX_WAIT)
    except (isodate.ISO8601Error, ValueError, TypeError, OverflowError):
        oldest = now - isodate.parse_duration(DEFAULT_MAX_WAIT)
    return oldest


class Reclaimer:
    """One run of the reclaim timer."""

    def __init__(
        self,
        ctx: UseCaseContext,
        store: HolderStore,
        waitlist: Waitlist,
        directory: Directory | None,
    ) -> None:
        self._ctx = ctx
        self._store = store
        self._waitlist = waitlist
        self._directory = directory

    def run(self) -> ReclaimRun:
        """Warn, reclaim, and sweep old waitlist entries; what was done."""
        done, now = ReclaimRun(), self._ctx.now()
        for entry in self._store.due("warn", now, BATCH):
            self._guarded(entry, done, self._warn)
        for entry in self._store.due("expire", now, BATCH):
            self._guarded(entry, done, self._reclaim)
        for tenant, product_id in self._store.waitlists(BATCH):
            try:
                done.expired_waiting += self._sweep_waitlist(tenant, product_id, now)
            except Exception:
                # The next run tries again; no other waitlist waits for this one.
                log.exception("waitlist of %s/%s not swept", tenant, product_id)
        log.info(
            "reclaim run: %d warned, %d reclaimed, %d stale, %d left the waitlist",
            done.warned,
            done.reclaimed,
            done.dropped,
            done.expired_waiting,
            extra={"outcome": "reclaim_run"},
        )
        return done

    def _guarded(self, entry: DueEntry, done: ReclaimRun, handle: _Handler) -> None:
        try:
            handle(entry, done)
        except RetryLater:
            # Storage or Microsoft 365 cannot answer now: the entry stays for the next run.
            done.postponed.append(entry.tenant)
            log.warning(
                "licence %s of %s postponed",
                entry.kind,
                entry.product_id,
                extra={"tenant_id": entry.tenant, "outcome": "postponed"},
            )
        except Exception:
            # One tenant's unreadable row stops nobody else's reclaim (X13); it stays due.
            done.postponed.append(entry.tenant)
            log.exception("licence %s of %s failed", entry.kind, entry.product_id)

    def _current(self, entry: DueEntry) -> Versioned[Holder] | None:
        """The holder the entry is about, unless their term moved (or they are gone)."""
        found = self._store.holder(entry.tenant, entry.product_id, entry.email)
        if found is None or not _same(found.value.expires_at, entry.expires_at):
            return None
        return found

    def _warn(self, entry: DueEntry, done: ReclaimRun) -> None:
        ctx, tenant = self._ctx, entry.tenant
        current = self._current(entry)
        product = self._store.get_product(tenant, entry.product_id)
        if current is None or current.value.warned or product is None:
            done.dropped += 1
            self._store.done(entry)
            return
        notice = term_notice("expiring", current.value, product.value.name, None, ctx.now())
        ctx.safety_net(tenant, notice.request_id)()
        try:
            self._store.commit_warning(tenant, current, notice)
        except StoreConflict:
            return  # extended or reclaimed meanwhile: the next run sees which
        ctx.publish(tenant, notice, None)
        self._store.done(entry)
        done.warned += 1

    def _reclaim(self, entry: DueEntry, done: ReclaimRun) -> None:
        ctx, tenant = self._ctx, entry.tenant
        current = self._current(entry)
        if current is None:
            done.dropped += 1
            self._store.done(entry)
            return
        holder = current.value
        product = self._store.get_product(tenant, entry.product_id)
        still_held = True
        if product is not None and product.value.source == "microsoft365":
            still_held = self._remove_in_microsoft365(tenant, product.value, holder)
        name = product.value.name if product else entry.product_id
        notice = term_notice("reclaimed", holder, name, None, ctx.now())
        safety = ctx.safety_net(tenant, notice.request_id)

        def attempt(number: int) -> None:
            found = self._store.holder(tenant, entry.product_id, entry.email)
            if found is None or not _same(found.value.expires_at, entry.expires_at):
                return  # extended meanwhile (in Microsoft 365 it is gone: see below)
            read = self._store.get_product(tenant, entry.product_id) if number else product
            counted = None
            if read is not None and still_held:
                seats = max(read.value.assigned_licenses - 1, 0)
                counted = read.value.model_copy(update={"assigned_licenses": seats})
            safety()
            self._store.commit_reclaim(tenant, ReclaimWrite(found, read, counted, notice))
            ctx.publish(tenant, notice, None)
            done.reclaimed += 1

        ctx.retry(attempt)
        self._store.done(entry)
        log.info(
            "licence reclaimed",
            extra={
                "tenant_id": tenant,
                "product_id": entry.product_id,
                "request_id": holder.request_id,
                "outcome": "reclaimed",
                "held": still_held,
            },
        )
        if product is not None:
            self._waitlist.fill(tenant, entry.product_id)

    def _remove_in_microsoft365(self, tenant: str, product: Product, holder: Holder) -> bool:
        """Take the licence away in Microsoft 365; False when the user no longer had it
        (an admin removed it meanwhile: it is forgotten, never added back)."""
        if self._directory is None or not product.sku_id:
            # Never forget a licence that is still assigned: wait for Graph to be set up.
            raise DirectoryUnavailable("Microsoft 365 is not available to this deployment.")
        user_id = holder.user_id
        if user_id is None:
            found = self._directory.users_by_address(tenant, [holder.email])
            user = found.get(holder.email.lower())
            if user is None:
                return False
            user_id = user.id
        outcome = self._directory.remove_license(
            tenant, user_id, product.sku_id, product.licensing_group_id
        )
        return outcome == "removed"

    def _sweep_waitlist(self, tenant: str, product_id: str, now: datetime) -> int:
        """Take off the entries older than the tenant's maxWait; forget an empty list."""
        queue = self._ctx.store.waitlist(tenant, product_id)
        if not queue:
            self._store.forget_waitlist(tenant, product_id)
            return 0
        process = self._store.get_request_process(tenant)
        oldest = waited_too_long(now, process.value.max_wait if process else None)
        taken = 0
        for entry in queue:
            if entry.since > oldest:
                break  # first come, first served: the rest came later
            if self._waitlist.take_off(tenant, product_id, entry.email, "expired"):
                taken += 1
        return taken
