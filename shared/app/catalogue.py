"""The tenant's product catalogue: list it, create or replace a product (X1, X2)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.app.context import UseCaseContext
from shared.domain import rules
from shared.domain.errors import InvalidRequest
from shared.domain.fields import is_valid_id
from shared.domain.identity import Principal
from shared.domain.microsoft365 import updated_microsoft365_product
from shared.domain.models import Product, ProductPut


@dataclass(frozen=True)
class CatalogueItem:
    """A product and the products whose requests it can satisfy (X2, itself included)."""

    product: Product
    fulfils: list[str]
    # How many people wait for it: the users of its pending requests.
    pending_users: int = 0

    def to_view(self, *, admin: bool) -> dict[str, object]:
        """Admins see licence counts, demand and what each product can stand in for."""
        view = self.product.to_view(admin=admin)
        if admin:
            view["fulfils"] = self.fulfils
            view["pendingUsers"] = self.pending_users
        return view


class Catalogue:
    """Use cases of the product catalogue."""

    def __init__(self, ctx: UseCaseContext) -> None:
        self._ctx = ctx

    def list_products(self, who: Principal) -> list[CatalogueItem]:
        """Every product of the caller's tenant, by name, with its demand."""
        store = self._ctx.store
        counts = self._ctx.meanwhile(lambda: store.get_counts(who.tenant_id))
        products = store.list_products(who.tenant_id)
        waiting = found.value.pending_users if (found := counts()) else {}
        return [
            CatalogueItem(p, rules.fulfilled_by(p, products), waiting.get(p.id, 0))
            for p in sorted(products, key=lambda p: p.name.lower())
        ]

    def put_product(self, who: Principal, product_id: str, body: ProductPut) -> Product:
        """Create or replace a manual product (its assigned count is kept, X1), or change
        what an admin may change of a Microsoft 365 one."""
        self._ctx.require_admin(who)
        if not is_valid_id(product_id):
            raise InvalidRequest("productId must be 1-64 letters, digits, '.', '_' or '-'.")
        store = self._ctx.store

        def attempt(_: int) -> Product:
            current = store.get_product(who.tenant_id, product_id)
            if current and current.value.source == "microsoft365":
                product = updated_microsoft365_product(
                    current.value, body, rules.person(who), self._ctx.now()
                )
            else:
                product = rules.manual_product(
                    product_id,
                    body,
                    current.value.assigned_licenses if current else 0,
                    rules.person(who),
                    self._ctx.now(),
                )
            approvers = body.approvers
            if approvers is None:
                approvers = current.value.approvers if current else []
            line = (
                {"waiting": current.value.waiting, "queued": current.value.queued}
                if current
                else {}
            )
            product = product.model_copy(update={"approvers": approvers, **line})
            store.save_product(who.tenant_id, product, current.etag if current else None)
            return product

        product = self._ctx.retry(attempt)
        store.register_tenant(who.tenant_id)
        return product
