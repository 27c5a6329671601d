"""Submitting a request (R1, R2, R6, X3, X10)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from shared.app.context import UseCaseContext
from shared.app.directory import Directory
from shared.app.records import Counted, NewRequestWrite, SubmitContext, Versioned
from shared.domain import rules
from shared.domain.counts import RequestCounts
from shared.domain.errors import (
    OwnRequestProcess,
    SelfServiceAllowed,
    UnknownProduct,
    UnknownUser,
)
from shared.domain.identity import Principal
from shared.domain.ids import new_request_id
from shared.domain.microsoft365 import resolved_users
from shared.domain.models import LicenseRequest, Product, RequestCreate, RequestUser
from shared.domain.named import merged
from shared.domain.notices import submitted_notice


@dataclass(frozen=True)
class SubmitResult:
    """The request, and whether this call created it (201) or found it pending and added
    to it (200, X3)."""

    request: LicenseRequest
    created: bool


class Submit:
    """Ask for a licence to a product whose self-service purchase is blocked."""

    def __init__(self, ctx: UseCaseContext, directory: Directory | None = None) -> None:
        self._ctx = ctx
        self._directory = directory

    def __call__(self, who: Principal, body: RequestCreate) -> SubmitResult:
        """A new pending request, or the caller's pending one for the product with the new
        users and justification added (X3)."""
        ctx, tenant = self._ctx, who.tenant_id
        # The directory is asked once per set of users, whatever races the attempts lose.
        resolved: dict[tuple[str, ...], list[RequestUser]] = {}

        def in_directory(
            found: SubmitContext, product: Product, users: list[RequestUser]
        ) -> list[RequestUser]:
            if not (found.connection and found.connection.connected and self._directory):
                return users
            asked = (product.id, *(u.email.lower() for u in users))
            if asked not in resolved:
                resolved[asked] = self._in_directory(who, users, product)
            return resolved[asked]

        # Beside the first read, once a day per tenant: the retention sweep's index.
        indexed = ctx.meanwhile(lambda: ctx.store.note_requests_on(tenant, ctx.now().date()))

        def attempt(_: int) -> SubmitResult:
            found = ctx.store.load_submit_context(tenant, body.product_id, who.user_id)
            product = found.product
            if product is None:
                raise UnknownProduct(f"There is no product {body.product_id!r}.")
            if product.self_service_purchase == "allowed":
                raise SelfServiceAllowed(
                    f"{product.name} can be bought with self-service; no request is needed."
                )
            if found.process.use_own_process:
                raise OwnRequestProcess(
                    found.process.message or "Your organisation uses its own request process.",
                    message=found.process.message,
                    documentationUrl=found.process.documentation_url,
                )
            if found.pending_id is not None:
                existing = ctx.store.get_request(tenant, found.pending_id)
                if existing and existing.value.status == "pending" and ctx.visible(existing.value):
                    check = functools.partial(in_directory, found, product)
                    return self._merge(tenant, existing, body, check, found.counts)
            now = ctx.now()
            request = rules.new_request(
                new_request_id(now), body, product, rules.person(who), now, ctx.retention
            )
            users = in_directory(found, product, request.users)
            request = request.model_copy(update={"users": users})
            recipients = found.process.notify_admins
            notice = submitted_notice(request, recipients) if recipients else None
            if notice:
                # Out before the commit: recovers a crash between the commit and the queueing.
                ctx.safety_net(tenant, request.id)()
            indexed()  # before the commit: no request is ever left out of the index
            # PendingExists (a concurrent submit took the marker) is a lost race: retried.
            counts = Counted.after(
                found.counts, lambda c: c.submitted(request.product_id, len(request.users))
            )
            etag = ctx.store.create_request(
                tenant, NewRequestWrite(request, found.pending_marker_etag, notice, counts)
            )
            ctx.publish(tenant, notice, etag)
            return SubmitResult(request, created=True)

        return ctx.retry(attempt)

    def _merge(
        self,
        tenant: str,
        existing: Versioned[LicenseRequest],
        body: RequestCreate,
        in_directory: Callable[[list[RequestUser]], list[RequestUser]],
        counts: Versioned[RequestCounts] | None,
    ) -> SubmitResult:
        """X3: add what the caller typed to their pending request; nothing is dropped."""
        before = existing.value
        after = merged(before, body)
        if after is None:
            return SubmitResult(before, created=False)
        # Only the users added now are looked up (the requester first, as for a new one).
        added = after.users[len(before.users) :]
        if added:
            checked = in_directory([before.users[0], *added])[1:]
            after = after.model_copy(update={"users": [*before.users, *checked]})
        grown = len(after.users) - len(before.users)
        counted = Counted.after(counts, lambda c: c.merged(after.product_id, grown))
        self._ctx.store.merge_request(tenant, existing, after, counted)
        return SubmitResult(after, created=False)

    def _in_directory(
        self, who: Principal, users: list[RequestUser], product: Product
    ) -> list[RequestUser]:
        """X11: everyone named must be a person of the tenant's directory (`users` start
        with the requester)."""
        assert self._directory is not None
        others = [u.email for u in users[1:]]
        # The requester by the token's object id, the others by address: one lookup.
        found = self._directory.users_by_address(who.tenant_id, [who.user_id, *others])
        found[users[0].email.lower()] = found.get(who.user_id.lower())
        resolved, unknown = resolved_users(users, found, product)
        if unknown:
            raise UnknownUser(
                "Not an active account of your organisation: " + ", ".join(unknown) + ".",
                users=unknown,
            )
        return resolved
