"""Time-limited licences, the admin's side (X14): who holds a product and until when, and
extending a term."""

from __future__ import annotations

import logging

from shared.app.context import UseCaseContext
from shared.app.licence_ports import HolderStore
from shared.domain.errors import InvalidRequest, NotFound
from shared.domain.fields import is_valid_id
from shared.domain.identity import Principal
from shared.domain.terms import (
    ExtendCommand,
    Holder,
    after,
    due_entries,
    end_of,
    within_bounds,
)

log = logging.getLogger(__name__)
# Holders listed per product: one page of Table Storage.
MAX_HOLDERS = 1000


class LicenceTerms:
    """GET /api/products/{id}/assignments and POST …/assignments/{email}/extend."""

    def __init__(self, ctx: UseCaseContext, store: HolderStore) -> None:
        self._ctx = ctx
        self._store = store

    def holders(self, who: Principal, product_id: str) -> list[Holder]:
        """Who holds the product through this app, with the end of each term (admins)."""
        self._ctx.require_admin(who)
        # An id no product can have is not looked up (storage keys have their rules).
        if (
            not is_valid_id(product_id)
            or self._store.get_product(who.tenant_id, product_id) is None
        ):
            raise NotFound("There is no such product.")
        return self._store.holders_of(who.tenant_id, product_id, MAX_HOLDERS)

    def extend(self, who: Principal, product_id: str, email: str, command: ExtendCommand) -> Holder:
        """A later end for a time-limited licence: a date, or a duration added to the
        current end (admins). A permanent licence stays permanent."""
        ctx, tenant = self._ctx, who.tenant_id
        ctx.require_admin(who)
        # Rows are keyed by the lower-cased address; anything longer than one is nobody.
        address = email.strip().lower() if 0 < len(email) <= 320 else None
        if not is_valid_id(product_id):
            address = None

        def attempt(_: int) -> Holder:
            found = self._store.holder(tenant, product_id, address) if address else None
            if found is None:
                raise NotFound("This person holds no license of this product from a request.")
            current, now = found.value, ctx.now()
            if current.expires_at is None:
                raise InvalidRequest(
                    "This license is permanent: there is nothing to extend.",
                    errors=[{"field": "email", "message": "holds a permanent license"}],
                )
            if command.until is not None:
                ends, field = end_of(command.until), "until"
            else:
                ends, field = (
                    after(max(current.expires_at, now), command.duration or ""),
                    "duration",
                )
            if not within_bounds(ends, now) or ends <= current.expires_at:
                raise InvalidRequest(
                    f"{field} must give a later end than the current one "
                    f"({current.expires_at.isoformat()}), within 5 years from now.",
                    errors=[{"field": field, "message": "not a later end"}],
                )
            extended = current.model_copy(update={"expires_at": ends, "warned": False})
            self._store.schedule_due(
                due_entries(tenant, product_id, [current.email], ends, ctx.reclaim_notice, now)
            )
            self._store.save_term(tenant, extended, found.etag)
            log.info(
                "licence term extended",
                extra={
                    "tenant_id": tenant,
                    "product_id": product_id,
                    "actor_id": who.user_id,
                    "outcome": "extended",
                },
            )
            return extended

        return ctx.retry(attempt)
