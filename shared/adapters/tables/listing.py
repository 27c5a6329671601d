"""The lists of requests on the table: the admins' views and My requests (R3, X4, X12).

Without a search every list is one range query of the view's rows, newest first (ids
begin with the inverted creation time), bounded by retention; a product filter narrows it
server-side. A search (`q`) or oldest-first order reads the retained range of the view and
filters or turns it in the app: Table Storage has no text match and no reverse order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from shared.adapters.tables import codec, keys
from shared.adapters.tables.base import TableBase
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.wire import WireError
from shared.domain.errors import StorageUnavailable
from shared.domain.ids import time_key
from shared.domain.models import LicenseRequest, ListView, Page, RequestSummary

# Parametrised once: pydantic rebuilds a generic model each time it is subscripted anew.
_SummaryPage = Page[RequestSummary]
_RequestPage = Page[LicenseRequest]


class RequestLists(TableBase):
    """Reads the lists of a tenant's requests."""

    @storage_call
    def list_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
        product_ids: Sequence[str] | None = None,
        search: str | None = None,
        oldest_first: bool = False,
    ) -> Page[RequestSummary]:
        # Pending requests have their own index rows; decided ones are read from the request
        # rows, skipping the (few) pending ones server-side.
        prefix = f"{keys.PENDING}|" if view == "pending" else f"{keys.REQUEST}|"
        if search or oldest_first:
            return self._read_through(
                tenant,
                prefix,
                created_after,
                limit,
                after_key,
                _filters(view == "completed", product_ids),
                search,
                oldest_first,
            )
        rows, next_key = self._page(
            tenant,
            prefix,
            created_after,
            limit,
            after_key,
            only_decided=view == "completed",
            product_ids=product_ids,
        )
        return _SummaryPage(items=[codec.summary_from(r) for r in rows], next_key=next_key)

    @storage_call
    def list_user_requests(
        self,
        tenant: str,
        user_id: str,
        email: str,
        *,
        created_after: datetime,
        limit: int,
        after_key: str | None,
    ) -> Page[LicenseRequest]:
        """The caller's own requests (full copies) and those naming them (pointers to read),
        newest first: three ranges side by side, then the named requests' point reads."""
        prefixes = [keys.named_prefix(p) for p in keys.persons_of(user_id, email)]
        named_pages = [
            self.meanwhile(partial(self._page, tenant, p, created_after, limit, after_key))
            for p in prefixes
        ]
        mine, mine_next = self._page(
            tenant, keys.mine_prefix(user_id), created_after, limit, after_key
        )
        requests = {r.id: r for r in map(codec.request_from, mine)}
        more = mine_next is not None
        named: set[str] = set()
        for prefix, page in zip(prefixes, named_pages, strict=True):
            rows, next_key = page()
            more = more or next_key is not None
            named.update(str(r["RowKey"])[len(prefix) :] for r in rows)
        ids = sorted(requests.keys() | named)
        more = more or len(ids) > limit
        ids = ids[:limit]
        wanted = [keys.request_key(i) for i in ids if i not in requests]
        for row in self._points(tenant, wanted).values():
            request = codec.request_from(row)
            requests[request.id] = request
        items = [requests[i] for i in ids if i in requests]  # a pointer may outlive its request
        return _RequestPage(items=items, next_key=ids[-1] if more and ids else None)

    def iter_requests(
        self,
        tenant: str,
        view: ListView,
        *,
        since: datetime,
        since_inclusive: bool,
        before: datetime | None,
    ) -> Iterator[LicenseRequest]:
        """The requests of `view` created after `since` (or at it) and before `before`,
        newest first, read page by page as iterated."""
        prefix = f"{keys.REQUEST}|"
        # A request created at instant t has the key time_key(t) + a suffix (below "~").
        high = prefix + time_key(since) + ("~" if since_inclusive else "")
        low = prefix + time_key(before) + "~" if before else prefix[:-1] + "|"
        where, params = ("", {})
        if view != "all":
            op = "eq" if view == "pending" else "ne"
            where, params = f" and Status {op} @pending", {"pending": "pending"}
        try:
            for row in self._scan(tenant, low, high, where=where, params=params):
                yield codec.request_from(row)
        except (ServiceRequestError, ServiceResponseError, HttpResponseError, WireError) as exc:
            raise StorageUnavailable("Storage failed while reading; try again shortly.") from exc

    def _page(
        self,
        tenant: str,
        prefix: str,
        created_after: datetime,
        limit: int,
        after_key: str | None,
        *,
        only_decided: bool = False,
        product_ids: Sequence[str] | None = None,
    ) -> tuple[list[Entity], str | None]:
        # Ids of requests created after the cutoff sort before its time key.
        high = prefix + time_key(created_after)
        low = prefix + after_key if after_key else prefix[:-1] + "|"
        where, params = _filters(only_decided, product_ids)
        rows = self._range(tenant, low, high, limit + 1, where=where, params=params)
        next_key = rows[limit - 1]["RowKey"][len(prefix) :] if len(rows) > limit else None
        return rows[:limit], next_key

    def _read_through(
        self,
        tenant: str,
        prefix: str,
        created_after: datetime,
        limit: int,
        after_key: str | None,
        filters: tuple[str, dict[str, Any]],
        search: str | None,
        oldest_first: bool,
    ) -> Page[RequestSummary]:
        """A page found by reading the view's retained rows: those matching `search`
        (requester name or address, product name, case-blind), newest or oldest first. The
        cursor is the last request id shown, in either order."""
        needle = search.casefold() if search else None
        where, params = filters
        high = prefix + time_key(created_after)
        low = prefix[:-1] + "|"
        if oldest_first and after_key:
            high = prefix + after_key  # the older ones are shown: what is newer is left
        elif after_key:
            low = prefix + after_key
        found: list[RequestSummary] = []
        for row in self._scan(tenant, low, high, where=where, params=params):
            summary = codec.summary_from(row)
            if needle is None or _matches(summary, needle):
                found.append(summary)
                if not oldest_first and len(found) > limit:
                    break  # newest first: the next page starts here
        if oldest_first:
            found.reverse()
        more = len(found) > limit
        items = found[:limit]
        return _SummaryPage(items=items, next_key=items[-1].id if more else None)


def _filters(only_decided: bool, product_ids: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """The server-side filter within a list's range: decided requests only, some products
    only (bound parameters, never the caller's text in the filter)."""
    where, params = (
        (" and Status ne @pending", {"pending": "pending"}) if only_decided else ("", {})
    )
    if product_ids is not None:
        names = [f"p{i}" for i in range(len(product_ids))] or ["none"]
        # Spaces around the parentheses: parameters are bound word by word (as the SDK).
        where += " and ( " + " or ".join(f"ProductId eq @{n}" for n in names) + " )"
        params = {**params, **dict(zip(names, product_ids or ["~"], strict=True))}
    return where, params


def _matches(summary: RequestSummary, needle: str) -> bool:
    """A search hit: the requester's name or address, or the product's name."""
    requester = summary.requester
    return any(
        needle in text.casefold()
        for text in (requester.name, requester.email, summary.product_name)
    )
