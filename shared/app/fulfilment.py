"""Fulfilment (X11): an approval's licences really assigned in Microsoft 365.

The approval commits first (seats reserved, a fulfilment notice in the outbox); this
queue worker then asks Graph, in batches of 20, about the users still pending and
assigns their licences (directly, or by adding them to the product's licensed group),
and commits each user's real outcome with the product's seat counters in one
transaction. Only then are the emails' notices written, so no email ever says "you
now have a licence" for a licence that is not there.

Throttling (429/503 with Retry-After) reschedules the message after the wait asked for,
never a hot loop; other failures raise, and the queue retries, then poisons (the outbox
relay queues it again later). A redelivered message finds the users already settled:
nobody is assigned twice, no email is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from shared.app.context import UseCaseContext
from shared.app.directory import Assignment, Directory
from shared.app.notifications import parse_message
from shared.app.ports import Notifier, OutboxMessage, RequestStore
from shared.app.records import FulfilmentWrite, Versioned
from shared.domain.errors import DirectoryThrottled
from shared.domain.microsoft365 import MAX_THROTTLED, Outcome, apply_fulfilment
from shared.domain.models import Failure, LicenseRequest, Product, RequestUser
from shared.domain.notices import Notice, decision_notice, failures_notice, notice_kind

log = logging.getLogger(__name__)
MAX_DELAY = timedelta(minutes=5)


class FulfilmentWorker:
    """Handles one fulfilment message: one round of assignments for one request."""

    def __init__(self, ctx: UseCaseContext, directory: Directory, notifier: Notifier) -> None:
        self._ctx = ctx
        self._directory = directory
        self._notifier = notifier

    @property
    def _store(self) -> RequestStore:
        return self._ctx.store

    def handle(self, body: str) -> str:
        """Process one message; what became of it ("done", "rescheduled", "dropped")."""
        message = parse_message(body)
        if message is None or notice_kind(message.key) != "fulfilment":
            log.error("dropping a malformed fulfilment message")
            return "dropped"
        tenant, request_id = message.tenant, message.key.split("|")[1]
        found = self._store.get_request(tenant, request_id)
        if found is None or not _pending(found.value):
            return "dropped"  # settled already (a redelivery) or gone
        request = found.value
        decision = request.decision
        assert decision is not None and decision.product_id is not None
        product = self._store.get_product(tenant, decision.product_id)
        pending = [u for u in request.users if u.outcome == "pending"]
        try:
            outcomes, wait = self._assign(tenant, product, decision.disabled_service_plans, pending)
        except DirectoryThrottled as exc:
            outcomes, wait = {}, float(exc.headers.get("Retry-After", "5"))
        if wait is not None:
            throttled = request.fulfilment.throttled if request.fulfilment else 0
            wait = min(max(wait, 2.0**throttled), MAX_DELAY.total_seconds())
        notices = self._commit(tenant, request_id, message.key, outcomes)
        for notice in notices:
            self._ctx.publish(tenant, notice, None)
        if notices or wait is None:
            return "done"
        self._notifier.publish(OutboxMessage(tenant, message.key), delay=wait)
        log.warning(
            "fulfilment throttled; rescheduled",
            extra={"tenant_id": tenant, "request_id": request_id, "delay_s": wait},
        )
        return "rescheduled"

    def _assign(
        self,
        tenant: str,
        product: Versioned[Product] | None,
        disabled: Sequence[str],
        pending: Sequence[RequestUser],
    ) -> tuple[dict[str, Outcome], float | None]:
        """This round's outcome of each pending user (by lower-case email), and how long
        to wait for those Graph throttled (None: nobody was)."""
        if product is None or product.value.source != "microsoft365" or not product.value.sku_id:
            gone = _failure("graph_error", "The product is no longer in the catalogue.")
            return {u.email.lower(): ("failed", gone) for u in pending}, None
        sku, group = product.value.sku_id, product.value.licensing_group_id
        keys = {u.email.lower(): u.directory_id or u.email for u in pending}
        found = self._directory.users_by_address(tenant, list(keys.values()))
        outcomes: dict[str, Outcome] = {}
        eligible: dict[str, str] = {}  # directory id -> email
        for email, key in keys.items():
            person = found.get(key.lower())
            if person is None:
                outcomes[email] = ("failed", _failure("user_not_found", "No such user."))
            elif not person.enabled:
                outcomes[email] = ("failed", _failure("account_disabled", "Sign-in is blocked."))
            elif sku in person.sku_ids:
                outcomes[email] = ("alreadyLicensed", None)
            else:
                eligible[person.id] = email
        if not eligible:
            return outcomes, None
        if group:
            results = self._directory.add_group_members(tenant, group, list(eligible))
        else:
            results = self._directory.assign_licenses(
                tenant, [Assignment(uid, sku, tuple(disabled)) for uid in eligible]
            )
        added = [r.user_id for r in results if r.outcome == "assigned"]
        # Group-based licensing reports per user whether the group's licence took.
        states = self._directory.users_by_id(tenant, added) if group and added else {}
        waits = [r.retry_after or 1.0 for r in results if r.outcome == "retry"]
        for result in results:
            email = eligible[result.user_id]
            if result.outcome == "failed":
                outcomes[email] = ("failed", result.failure)
            elif result.outcome == "assigned":
                person = states.get(result.user_id)
                error = person.license_errors.get(sku) if person else None
                outcomes[email] = ("failed", error) if error else ("assigned", None)
        return outcomes, max(waits) if waits else None

    def _commit(
        self, tenant: str, request_id: str, key: str, outcomes: dict[str, Outcome]
    ) -> list[Notice]:
        """Record the round; the notices to email when the request is settled."""
        ctx = self._ctx

        def attempt(_: int) -> list[Notice]:
            found = self._store.get_request(tenant, request_id)
            if found is None or not _pending(found.value):
                return []
            request = found.value
            fulfilment = request.fulfilment
            assert fulfilment is not None and request.decision is not None
            now = ctx.now()
            step = apply_fulfilment(
                request, outcomes, now, give_up=fulfilment.throttled >= MAX_THROTTLED
            )
            product = self._store.get_product(tenant, request.decision.product_id or "")
            counted = None
            if product is not None:
                value = product.value
                counted = value.model_copy(
                    update={
                        "assigned_licenses": value.assigned_licenses + step.assigned,
                        "reserved_licenses": max(value.reserved_licenses - step.released, 0),
                    }
                )
            notices = self._notices(tenant, step.request, product) if step.finished else []
            if notices:
                # Out before the commit: recovers a crash before the notices are queued.
                ctx.safety_net(tenant, request_id)()
            self._store.commit_fulfilment(
                tenant,
                FulfilmentWrite(
                    found, step.request, product, counted, key if step.finished else None, notices
                ),
            )
            log.info(
                "fulfilment round committed",
                extra={
                    "tenant_id": tenant,
                    "request_id": request_id,
                    "outcome": step.request.fulfilment.status if step.request.fulfilment else "",
                    "assigned": step.assigned,
                    "settled": len(step.decided_now),
                },
            )
            return notices

        return ctx.retry(attempt)

    def _notices(
        self, tenant: str, request: LicenseRequest, product: Versioned[Product] | None
    ) -> list[Notice]:
        fulfilment = request.fulfilment
        assert fulfilment is not None
        now, round = self._ctx.now(), fulfilment.round
        notify = list(fulfilment.retried) if round > 1 else None
        notices = [
            decision_notice(
                request, product.value if product else None, notify=notify, round=round, at=now
            )
        ]
        if any(u.outcome == "failed" for u in request.users):
            process = self._store.get_request_process(tenant)
            recipients = process.value.notify_admins if process else []
            if recipients:
                notices.append(failures_notice(request, recipients, now, round))
        return notices


def _pending(request: LicenseRequest) -> bool:
    return (
        request.status == "approved"
        and request.fulfilment is not None
        and request.fulfilment.status == "pending"
    )


def _failure(code: str, message: str) -> Failure:
    return Failure.model_validate({"code": code, "message": message})
