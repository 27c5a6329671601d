"""Reading requests: the admins' list (R3, R6), one request, my requests (X4, X12)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.request_process import RequestProcessSettings
from shared.domain.counts import RequestCounts
from shared.domain.errors import NotFound
from shared.domain.identity import Principal
from shared.domain.models import (
    LicenseRequest,
    ListView,
    Page,
    RequestProcess,
    RequestSummary,
)
from shared.domain.named import MyRequest, my_request, role_of
from shared.domain.waitlist import with_positions


@dataclass(frozen=True)
class PageQuery:
    """Which page: its size and the cursor the previous page returned."""

    limit: int
    cursor: str | None = None


@dataclass(frozen=True)
class ListQuery(PageQuery):
    """The Requests list: a status view (None: the default view, R6), a search, a
    product, an order, and a page."""

    view: ListView | None = None
    search: str | None = None
    product_id: str | None = None
    oldest_first: bool = False


@dataclass(frozen=True)
class RequestList:
    """One page of the admins' Requests list, with the own-process state (R6)."""

    items: list[RequestSummary]
    next_cursor: str | None
    process: RequestProcess
    # The tenant's pending and completed requests (admins; None for a product approver).
    counts: RequestCounts | None = None


@dataclass(frozen=True)
class MyRequests:
    """One page of the requests the caller submitted or is named in (X4, X12)."""

    items: list[MyRequest]
    next_cursor: str | None


class RequestQueries:
    """Read-only use cases of requests."""

    def __init__(
        self, ctx: UseCaseContext, cursors: CursorCodec, settings: RequestProcessSettings
    ) -> None:
        self._ctx = ctx
        self._cursors = cursors
        self._settings = settings

    def list_requests(self, who: Principal, query: ListQuery) -> RequestList:
        """R3, R6: the admins' Requests list, newest first; a product approver's holds
        their products' requests only."""
        ctx = self._ctx
        products = ctx.decidable(who)
        # The tenant's counts, for admins, beside the page.
        counts = ctx.meanwhile(
            (lambda: ctx.store.get_counts(who.tenant_id)) if products is None else (lambda: None)
        )

        # An approver's products, narrowed to the one asked for.
        shown = products
        if query.product_id is not None:
            shown = {query.product_id} & (products if products is not None else {query.product_id})

        def page_of(view: ListView) -> tuple[Page[RequestSummary], str]:
            # A cursor is good for the list it came from only: same view, order, filter.
            order = "asc" if query.oldest_first else "desc"
            scope = f"{who.tenant_id}|requests|{view}|{order}|{query.product_id}|{query.search}"
            after_key = self._cursors.decode(scope, query.cursor)
            page = ctx.store.list_requests(
                who.tenant_id,
                view,
                created_after=ctx.cutoff(),
                limit=query.limit,
                after_key=after_key,
                product_ids=None if shown is None else sorted(shown),
                search=query.search,
                oldest_first=query.oldest_first,
            )
            return page, scope

        if query.view is None:
            # The default view depends on the setting (R6): read it first.
            process = self._settings.get(who)
            page, scope = page_of("pending" if process.use_own_process else "all")
        else:
            # Independent reads side by side: the call costs one round trip's time.
            settings_read = ctx.meanwhile(lambda: self._settings.get(who))
            page, scope = page_of(query.view)
            process = settings_read()
        tenant_counts = (
            (found.value if (found := counts()) else RequestCounts()) if products is None else None
        )
        return RequestList(
            page.items, self._cursors.encode(scope, page.next_key), process, tenant_counts
        )

    def get_request(self, who: Principal, request_id: str) -> LicenseRequest:
        """One request, for an admin, the people it names and its product's approvers;
        anyone else gets 404, as for an unknown id (X7, X8, X12)."""
        ctx = self._ctx
        found = ctx.read_request(who, request_id)
        request = found.value
        if role_of(request, who) is None and not ctx.is_admin(who):
            product = ctx.store.get_product(who.tenant_id, request.product_id)
            if product is None or not product.value.approved_by(who.email):
                raise NotFound("No such request.")
        if request.decision and any(u.outcome == "waiting" for u in request.users):
            # Places in the queue are read, not stored: they move as seats free up.
            queued = request.decision.product_id or request.product_id
            request = with_positions(request, ctx.store.waitlist(who.tenant_id, queued))
        return request

    def my_requests(self, who: Principal, query: PageQuery) -> MyRequests:
        """X4, X12: the requests the caller submitted or is named in, newest first, each
        with the caller's role and own outcome and what was really assigned."""
        ctx = self._ctx
        scope = f"{who.tenant_id}|mine|{who.user_id}|{who.email.lower()}"
        # The catalogue names what an approval assigned: read beside the requests.
        catalogue = ctx.meanwhile(lambda: ctx.store.get_catalogue(who.tenant_id))
        page = ctx.store.list_user_requests(
            who.tenant_id,
            who.user_id,
            who.email,
            created_after=ctx.cutoff(),
            limit=query.limit,
            after_key=self._cursors.decode(scope, query.cursor),
        )
        products = {i: p.value for i, p in catalogue().items()}
        requests = self._placed(who.tenant_id, [r for r in page.items if ctx.visible(r)])
        items = [my_request(r, who, products) for r in requests]
        return MyRequests(
            [i for i in items if i is not None], self._cursors.encode(scope, page.next_key)
        )

    def _placed(self, tenant: str, requests: list[LicenseRequest]) -> list[LicenseRequest]:
        """The requests with their waiting users' places: one range per product that has
        someone waiting, side by side (none when nobody waits)."""
        ctx = self._ctx

        def queued(request: LicenseRequest) -> str | None:
            if request.decision is None or all(u.outcome != "waiting" for u in request.users):
                return None
            return request.decision.product_id or request.product_id

        wanted = {p for r in requests if (p := queued(r))}
        reads = {p: ctx.meanwhile(functools.partial(ctx.store.waitlist, tenant, p)) for p in wanted}
        queues = {p: read() for p, read in reads.items()}
        return [with_positions(r, queues[p]) if (p := queued(r)) else r for r in requests]
