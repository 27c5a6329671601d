"""The CSV export of the request history (X14): one row per request and user, RFC 4180.

Rows are made as the requests are read, page after page, so what is held at once is a
page of requests, not the history. Text that a spreadsheet would run as a formula (it
starts with =, +, -, @, a tab or a carriage return) is neutralised with a leading quote,
as OWASP advises against CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from shared.app.context import UseCaseContext
from shared.domain.identity import Principal
from shared.domain.models import LicenseRequest, ListView, Product

HEADER = (
    "request id",
    "product",
    "requester name",
    "requester email",
    "user name",
    "user email",
    "user outcome",
    "status",
    "created",
    "decided",
    "decided by",
    "fulfilling product",
    "switched-off apps",
    "admin message",
)
# Excel reads a file with this mark as UTF-8 (Korean names come out right).
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: str) -> str:
    """`value`, made inert if a spreadsheet would take it for a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _time(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def rows_of(request: LicenseRequest, catalogue: Mapping[str, Product]) -> Iterator[list[str]]:
    """The CSV rows of one request: one per user."""
    decision = request.decision
    fulfilling, apps = "", ""
    if decision and decision.action == "approve":
        product_id = decision.product_id or request.product_id
        product = catalogue.get(product_id)
        fulfilling = product.name if product else request.product_name
        names = {p.id: p.name for p in product.service_plans} if product else {}
        apps = "; ".join(names.get(p, p) for p in decision.disabled_service_plans)
    for user in request.users:
        values = [
            request.id,
            request.product_name,
            request.requester.name,
            request.requester.email,
            user.name or "",
            user.email,
            user.outcome,
            request.status,
            _time(request.created_at),
            _time(decision.decided_at if decision else None),
            decision.decided_by.name if decision else "",
            fulfilling,
            apps,
            (decision.message or "") if decision else "",
        ]
        yield [neutralised(v) for v in values]


def csv_chunks(
    requests: Iterable[LicenseRequest], catalogue: Mapping[str, Product], every: int = 200
) -> Iterator[str]:
    """The CSV text in pieces of about `every` rows: the BOM and the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    count = 0
    for request in requests:
        for row in rows_of(request, catalogue):
            writer.writerow(row)
            count += 1
            if count % every == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


class Export:
    """The admins' CSV export of the retained history."""

    def __init__(self, ctx: UseCaseContext) -> None:
        self._ctx = ctx

    def __call__(
        self,
        who: Principal,
        view: ListView,
        created_from: datetime | None,
        created_to: datetime | None,
    ) -> Iterator[str]:
        """The CSV of the requests of `view` created in [from, to), newest first."""
        ctx = self._ctx
        ctx.require_admin(who)
        catalogue = {i: p.value for i, p in ctx.store.get_catalogue(who.tenant_id).items()}
        cutoff = ctx.cutoff()
        # Created at `from` counts; created at the cutoff is expired.
        since, inclusive = cutoff, False
        if created_from and created_from > cutoff:
            since, inclusive = created_from, True
        requests = ctx.store.iter_requests(
            who.tenant_id, view, since=since, since_inclusive=inclusive, before=created_to
        )
        return csv_chunks((r for r in requests if ctx.visible(r)), catalogue)
