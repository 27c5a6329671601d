"""The waitlist's use cases (X14): seat waiting users when seats free up, list a product's
queue, take someone off it."""

from __future__ import annotations

import functools
import logging

from shared.app.context import UseCaseContext
from shared.app.records import FillWrite, RemovalWrite, Versioned
from shared.domain.errors import NotFound
from shared.domain.fields import is_valid_id
from shared.domain.identity import Principal
from shared.domain.ids import to_millis
from shared.domain.models import LicenseRequest, Product
from shared.domain.notices import Notice, decision_notice, fulfilment_notice
from shared.domain.terms import due_entries
from shared.domain.waitlist import WaitEntry, plan_fill, waitlist_notice, with_positions

log = logging.getLogger(__name__)
# Users seated per transaction (each brings up to four rows: entry, assignment, request,
# copy; a transaction holds 100).
SEATS_PER_ROUND = 10


class Waitlist:
    """A product's queue of approved users without a seat."""

    def __init__(self, ctx: UseCaseContext) -> None:
        self._ctx = ctx

    def fill(self, tenant: str, product_id: str) -> int:
        """Seat waiting users, first come first served, while seats are free; how many."""
        ctx = self._ctx
        seated = 0
        while True:

            def attempt(_: int) -> int:
                product = ctx.store.get_product(tenant, product_id)
                if product is None or product.value.waiting <= 0:
                    return 0
                free = product.value.available_licenses
                if free <= 0:
                    return 0
                queue = ctx.store.waitlist(tenant, product_id, min(free, SEATS_PER_ROUND))
                if not queue:
                    return 0
                return self._seat(tenant, product, queue)

            done = ctx.retry(attempt)
            seated += done
            if done == 0:
                return seated

    def _seat(self, tenant: str, product: Versioned[Product], queue: list[WaitEntry]) -> int:
        ctx, now = self._ctx, self._ctx.now()
        ids = sorted({e.request_id for e in queue})
        reads = {i: ctx.meanwhile(functools.partial(ctx.store.get_request, tenant, i)) for i in ids}
        before = {i: found for i, read in reads.items() if (found := read()) is not None}
        plan = plan_fill(product.value, queue, {i: v.value for i, v in before.items()}, now)
        notices: list[Notice] = []
        for request_id, after in plan.requests.items():
            seated = [e.email for e in plan.seated if e.request_id == request_id]
            if plan.product.source == "microsoft365":
                notices.append(fulfilment_notice(after, now))  # emails follow the assignment
            else:
                notices.append(
                    decision_notice(after, plan.product, notify=seated, round=to_millis(now))
                )
        write = FillWrite(
            product=product,
            counted=plan.product,
            seated=plan.seated,
            assigned=plan.assigned,
            before={i: before[i] for i in plan.requests},
            after=plan.requests,
            notices=notices,
            at=now,
        )
        timed = [e for e in plan.seated if e.timed]
        ctx.store.schedule_due(
            [
                due
                for e in timed
                if (ends := e.ends(now)) is not None
                for due in due_entries(
                    tenant, e.product_id, [e.email], ends, ctx.reclaim_notice, now
                )
            ]
        )
        ctx.store.commit_fill(tenant, write)
        for notice in notices:
            ctx.publish(tenant, notice, None)
        log.info(
            "waitlist seated %d user(s)",
            len(plan.seated),
            extra={"tenant_id": tenant, "product_id": product.value.id, "outcome": "seated"},
        )
        return len(plan.seated)

    def queue(self, who: Principal, product_id: str) -> list[WaitEntry]:
        """The product's waitlist, in order (admins)."""
        self._ctx.require_admin(who)
        # An id no product can have is not looked up (storage keys have their rules).
        if not is_valid_id(product_id) or not self._ctx.store.get_product(
            who.tenant_id, product_id
        ):
            raise NotFound("There is no such product.")
        return self._ctx.store.waitlist(who.tenant_id, product_id)

    def remove(self, who: Principal, product_id: str, email: str) -> WaitEntry:
        """Take `email` off the product's waitlist; they are told (admins)."""
        self._ctx.require_admin(who)
        entry = self.take_off(who.tenant_id, product_id, email, "removed")
        if entry is None:
            raise NotFound("Nobody with this address waits for this product.")
        return entry

    def take_off(self, tenant: str, product_id: str, email: str, reason: str) -> WaitEntry | None:
        """Take `email` off the product's waitlist and tell them why ("removed" by an
        admin, "expired" after maxWait); None when they do not wait."""
        ctx = self._ctx
        if not is_valid_id(product_id):
            return None

        def attempt(_: int) -> WaitEntry | None:
            product = ctx.store.get_product(tenant, product_id)
            queue = ctx.store.waitlist(tenant, product_id) if product else []
            entry = next((e for e in queue if e.email.lower() == email.lower()), None)
            if product is None or entry is None:
                return None
            found = ctx.store.get_request(tenant, entry.request_id)
            after: LicenseRequest | None = None
            if found is not None:
                users = [
                    u.model_copy(update={"outcome": "notAssigned", "position": None})
                    if u.outcome == "waiting" and u.email.lower() == email.lower()
                    else u
                    for u in found.value.users
                ]
                after = found.value.model_copy(update={"users": users})
            counted = product.value.model_copy(
                update={"waiting": max(product.value.waiting - 1, 0)}
            )
            notice = waitlist_notice(entry, product.value, reason, ctx.now())
            ctx.store.remove_waiting(
                tenant, RemovalWrite(product, counted, entry, found, after, notice)
            )
            ctx.publish(tenant, notice, None)
            return entry

        return ctx.retry(attempt)

    def positions(self, tenant: str, request: LicenseRequest) -> LicenseRequest:
        """The request with its waiting users' places in their product's queue."""
        decision = request.decision
        if decision is None or not any(u.outcome == "waiting" for u in request.users):
            return request
        product_id = decision.product_id or request.product_id
        return with_positions(request, self._ctx.store.waitlist(tenant, product_id))
