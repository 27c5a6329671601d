"""Deciding a request: approve fully or in part, or deny (R8-R12, X1, X5)."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from shared.app.context import UseCaseContext
from shared.app.directory import Directory
from shared.app.ports import AlreadyAssigned
from shared.app.records import ApprovalWrite, Counted, DenialWrite
from shared.app.retry import TryAgain, too_busy
from shared.domain import rules
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.errors import InsufficientLicenses, NotConnected, NotFound, NothingToRetry
from shared.domain.identity import Principal
from shared.domain.ids import is_request_id
from shared.domain.microsoft365 import retried, with_live_seats
from shared.domain.models import LicenseRequest, Product
from shared.domain.notices import decision_notice, fulfilment_notice
from shared.domain.terms import LicenceTerm, due_entries
from shared.domain.waitlist import WaitEntry, entries_of, placed

log = logging.getLogger(__name__)
_HELD = "alreadyLicensed"


def _nothing() -> None:
    pass


def _gave_up(what: str, who: Principal, request_id: str) -> Callable[[], Exception]:
    def error() -> Exception:
        log.warning(
            "licence request %s gave up after concurrent changes",
            what,
            extra={"tenant_id": who.tenant_id, "request_id": request_id, "outcome": "busy"},
        )
        return too_busy()

    return error


class Decide:
    """Approve or deny a pending request, once."""

    def __init__(self, ctx: UseCaseContext, directory: Directory | None = None) -> None:
        self._ctx = ctx
        self._directory = directory

    def approve(self, who: Principal, request_id: str, command: ApproveCommand) -> LicenseRequest:
        """Assign licences in one transaction, or fail with nothing changed (admins, and the
        requested product's approvers)."""
        if not is_request_id(request_id):
            raise NotFound("No such request.")
        ctx, tenant = self._ctx, who.tenant_id
        # Users of the request who already hold a product, learnt only when seats are short
        # or an assignment row already exists: (product id, holders).
        known: tuple[str | None, set[str]] = (None, set())
        # Microsoft 365 seats, read live once per approval (X1 against the real count).
        live: dict[str, Product] = {}
        # Who may: admins, or this product's approvers (no read for a Global admin).
        products = ctx.decidable(who)
        # Out before the commit, beside the first read: recovers a crash after the commit.
        safety = ctx.safety_net(tenant, request_id)

        def attempt(number: int) -> LicenseRequest:
            nonlocal known
            found = ctx.store.load_decision_context(tenant, request_id)
            shown = found.request
            if shown is None or not ctx.visible(shown.value):
                raise NotFound("No such request.")
            ctx.require_product(products, shown.value)
            request = shown.value
            catalogue = {pid: v.value for pid, v in found.catalogue.items()}
            target = command.product_id or request.product_id
            holders = known[1] if known[0] == target else set()
            chosen = catalogue.get(target)
            if chosen and chosen.source == "microsoft365":
                if target not in live:
                    live[target] = self._live_seats(tenant, chosen)
                catalogue[target] = live[target].model_copy(
                    update={"reserved_licenses": chosen.reserved_licenses}
                )
                # The directory said at submit who already holds the requested product;
                # for another one, fulfilment finds out (and frees their seats).
                holders = set()
                if target == request.product_id:
                    holders = {u.email.lower() for u in request.users if u.outcome == _HELD}
            try:
                plan = rules.plan_approval(
                    request, catalogue, command, holders, rules.person(who), ctx.now()
                )
            except InsufficientLicenses:
                if known[0] == target or target in live:
                    raise
                # Users who already hold the product need no seat: learn who they are
                # before saying no (this read happens only on this path).
                known = (target, self._holders(tenant, target, request))
                raise TryAgain from None
            microsoft365 = plan.product.source == "microsoft365"
            waitlisted: list[WaitEntry] = []
            if plan.waiting:
                # Their places: after everyone already waiting, in the request's order.
                ahead = catalogue[plan.product.id].waiting
                plan = replace(plan, request=placed(plan.request, ahead + 1))
                first = catalogue[plan.product.id].queued + 1
                term = LicenceTerm.given(command.license_duration, command.license_until)
                waitlisted = entries_of(plan.request, plan.product.id, ctx.now(), first, term)
            expires_at = plan.request.decision.license_expires_at if plan.request.decision else None
            if plan.request.fulfilment:
                # Emails wait for the real outcome: the fulfilment step sends them.
                notice = fulfilment_notice(plan.request, ctx.now())
            else:
                notice = decision_notice(plan.request, plan.product)
            write = ApprovalWrite(
                before=shown,
                after=plan.request,
                product=found.catalogue[plan.product.id],
                counted=plan.product,
                # Microsoft 365 knows who holds its licences: no assignment rows.
                assigned_emails=[] if microsoft365 else plan.newly_assigned,
                notice=notice,
                waitlisted=waitlisted,
                timed_emails=plan.newly_assigned if microsoft365 and expires_at else [],
                counts=Counted.after(
                    found.counts, lambda c: c.decided(request.product_id, len(request.users))
                ),
            )
            # The due index and the waitlist's mark go before the commit, like the safety
            # message, and beside it: a crash after the commit loses neither. Only
            # time-limited and waitlisting approvals have any.
            marks = [
                ctx.meanwhile(mark) for mark in self._marks(tenant, plan, expires_at, waitlisted)
            ]
            safety()
            for mark in marks:
                mark()
            try:
                etag = ctx.store.commit_approval(tenant, write)
            except AlreadyAssigned:
                # Someone in the request already holds the product: learn who, then retry.
                known = (plan.product.id, self._holders(tenant, plan.product.id, request))
                raise TryAgain from None
            ctx.publish(tenant, notice, etag)
            outcomes = Counter(u.outcome for u in plan.request.users)
            log.info(
                "licence request approved",
                extra={
                    "tenant_id": tenant,
                    "request_id": request_id,
                    "outcome": "approved",
                    "product_id": plan.product.id,
                    "actor_id": who.user_id,
                    "users": len(plan.request.users),
                    "assigned": len(plan.newly_assigned),
                    "already_licensed": outcomes["alreadyLicensed"],
                    "not_assigned": outcomes["notAssigned"],
                    "attempts": number + 1,
                },
            )
            return plan.request

        return ctx.retry(attempt, _gave_up("approval", who, request_id))

    def _marks(
        self,
        tenant: str,
        plan: rules.ApprovalPlan,
        expires_at: datetime | None,
        waitlisted: list[WaitEntry],
    ) -> list[Callable[[], None]]:
        """What must be written outside the tenant's partition before the approval
        commits: the reclaim of its time-limited licences, the mark of a new waitlist."""
        ctx, product_id = self._ctx, plan.product.id
        marks: list[Callable[[], None]] = []
        if expires_at is not None and plan.newly_assigned:
            due = due_entries(
                tenant, product_id, plan.newly_assigned, expires_at, ctx.reclaim_notice, ctx.now()
            )
            marks.append(functools.partial(ctx.store.schedule_due, due))
        if waitlisted:
            marks.append(functools.partial(ctx.store.note_waitlist, tenant, product_id))
        return marks

    def _live_seats(self, tenant: str, product: Product) -> Product:
        if self._directory is None:
            raise NotConnected("Microsoft 365 is not available to this deployment.")
        skus = {s.sku_id: s for s in self._directory.subscribed_skus(tenant)}
        return with_live_seats(product, skus.get(product.sku_id or ""))

    def retry_fulfilment(self, who: Principal, request_id: str) -> LicenseRequest:
        """Assign again the licences that could not be assigned (admins, approvers)."""
        ctx, tenant = self._ctx, who.tenant_id
        products = ctx.decidable(who)
        safety = ctx.safety_net(tenant, request_id)

        def attempt(_: int) -> LicenseRequest:
            current = ctx.read_request(who, request_id)
            ctx.require_product(products, current.value)
            after, again = retried(current.value, ctx.now())
            if not again:
                raise NothingToRetry("No user of this request is waiting for a retry.")
            notice = fulfilment_notice(after, ctx.now())
            safety()
            etag = ctx.store.commit_retry(tenant, DenialWrite(current, after, notice))
            ctx.publish(tenant, notice, etag)
            return after

        return ctx.retry(attempt)

    def _holders(self, tenant: str, product_id: str, request: LicenseRequest) -> set[str]:
        return self._ctx.store.holders(tenant, product_id, [u.email for u in request.users])

    def deny(self, who: Principal, request_id: str, command: DenyCommand) -> LicenseRequest:
        """R8: deny the whole request, once (admins, and the product's approvers)."""
        ctx, tenant = self._ctx, who.tenant_id
        products = ctx.decidable(who)
        safety = ctx.safety_net(tenant, request_id) if is_request_id(request_id) else _nothing

        def attempt(number: int) -> LicenseRequest:
            found = is_request_id(request_id) and ctx.store.load_denial_context(tenant, request_id)
            current = found.request if found else None
            if not found or current is None or not ctx.visible(current.value):
                raise NotFound("No such request.")
            ctx.require_product(products, current.value)
            denied = rules.plan_denial(current.value, command.message, rules.person(who), ctx.now())
            notice = decision_notice(denied, None)
            counts = Counted.after(
                found.counts, lambda c: c.decided(denied.product_id, len(denied.users))
            )
            safety()
            etag = ctx.store.commit_denial(tenant, DenialWrite(current, denied, notice, counts))
            ctx.publish(tenant, notice, etag)
            log.info(
                "licence request denied",
                extra={
                    "tenant_id": tenant,
                    "request_id": request_id,
                    "outcome": "denied",
                    "actor_id": who.user_id,
                    "users": len(denied.users),
                    "attempts": number + 1,
                },
            )
            return denied

        return ctx.retry(attempt, _gave_up("denial", who, request_id))
