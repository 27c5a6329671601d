"""The use cases of SPEC §6 behind one object, as the entrypoints call them.

Each method takes the caller and a validated command or query and returns models;
the work is done by one module per use case (catalogue, request_process, submit,
decide, queries), all sharing one `UseCaseContext` of injected ports.
"""

from __future__ import annotations

from typing import cast

from shared.app.bulk import BulkDecide, BulkOutcome
from shared.app.catalogue import Catalogue, CatalogueItem
from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.decide import Decide
from shared.app.directory import Directory
from shared.app.export import Export
from shared.app.licence_ports import HolderStore
from shared.app.licence_terms import LicenceTerms
from shared.app.microsoft365 import ConsentConfig, ConsentStates, Microsoft365
from shared.app.people import People
from shared.app.queries import ListQuery, MyRequests, PageQuery, RequestList, RequestQueries
from shared.app.reclaim import Reclaimer
from shared.app.request_process import RequestProcessSettings
from shared.app.submit import Submit, SubmitResult
from shared.app.waitlist import Waitlist
from shared.domain.bulk import BulkDecision
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import (
    LicenseRequest,
    Product,
    ProductPut,
    RequestCreate,
    RequestProcess,
    RequestProcessPut,
)


class LicenseService:
    """The request lifecycle: catalogue, settings, submit, list, read, decide."""

    def __init__(
        self,
        ctx: UseCaseContext,
        cursors: CursorCodec,
        directory: Directory | None = None,
        consent: ConsentConfig | None = None,
        holders: HolderStore | None = None,
    ) -> None:
        self.context = ctx
        self._catalogue = Catalogue(ctx)
        self._process = RequestProcessSettings(ctx)
        self._submit = Submit(ctx, directory)
        self._decide = Decide(ctx, directory)
        self._bulk = BulkDecide(ctx, self._decide)
        self.export = Export(ctx)
        self._queries = RequestQueries(ctx, cursors, self._process)
        # Connecting Microsoft 365 and the people picker (X11).
        self.waitlist = Waitlist(ctx)
        self.microsoft365 = Microsoft365(
            ctx, directory, consent, ConsentStates(cursors.secret), self.waitlist
        )
        self.people = People(ctx, directory)
        # Time-limited licences (X14); the table store keeps holders beside the requests.
        holder_rows = holders or cast(HolderStore, ctx.store)
        self.terms = LicenceTerms(ctx, holder_rows)
        self.reclaimer = Reclaimer(ctx, holder_rows, self.waitlist, directory)

    def is_admin(self, who: Principal) -> bool:
        """Whether the caller manages the tenant's requests (R5: an allowed admin role)."""
        return self.context.is_admin(who)

    def list_products(self, who: Principal) -> list[CatalogueItem]:
        """Every product of the caller's tenant."""
        return self._catalogue.list_products(who)

    def put_product(self, who: Principal, product_id: str, body: ProductPut) -> Product:
        """Create or replace a product (admins); more seats go to the people waiting."""
        product = self._catalogue.put_product(who, product_id, body)
        if product.waiting and product.available_licenses > 0:
            self.waitlist.fill(who.tenant_id, product_id)
            found = self.context.store.get_product(who.tenant_id, product_id)
            product = found.value if found else product
        return product

    def get_request_process(self, who: Principal) -> RequestProcess:
        """The own-request-process setting."""
        return self._process.get(who)

    def put_request_process(self, who: Principal, change: RequestProcessPut) -> RequestProcess:
        """Change the own-request-process setting (admins)."""
        return self._process.put(who, change)

    def submit(self, who: Principal, body: RequestCreate) -> SubmitResult:
        """Ask for a licence."""
        return self._submit(who, body)

    def list_requests(self, who: Principal, query: ListQuery) -> RequestList:
        """The admins' Requests list."""
        return self._queries.list_requests(who, query)

    def get_request(self, who: Principal, request_id: str) -> LicenseRequest:
        """One request."""
        return self._queries.get_request(who, request_id)

    def my_requests(self, who: Principal, query: PageQuery) -> MyRequests:
        """The caller's own requests."""
        return self._queries.my_requests(who, query)

    def approve(self, who: Principal, request_id: str, command: ApproveCommand) -> LicenseRequest:
        """Approve fully or in part."""
        return self._decide.approve(who, request_id, command)

    def deny(self, who: Principal, request_id: str, command: DenyCommand) -> LicenseRequest:
        """Deny the whole request."""
        return self._decide.deny(who, request_id, command)

    def decide_many(self, who: Principal, body: BulkDecision) -> list[BulkOutcome]:
        """Approve or deny up to 100 requests, each on its own, oldest first."""
        return self._bulk(who, body)

    def retry_fulfilment(self, who: Principal, request_id: str) -> LicenseRequest:
        """Assign again what Microsoft 365 could not assign."""
        return self._decide.retry_fulfilment(who, request_id)
