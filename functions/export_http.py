"""The CSV export of the request history (X14), for admins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import azure.functions as func

from functions import _deps
from functions._http import csv_response, endpoint, parse_view, principal
from shared.domain.errors import InvalidRequest

bp = func.Blueprint()

# Named to sort before get_request: hosts that try routes by function name then match the
# literal `requests/export` before the `requests/{id}` template.
FUNCTION_NAME = "export_requests"


def parse_instant(raw: str | None, name: str) -> datetime | None:
    """`from` / `to`: a date (midnight UTC) or an ISO 8601 date and time with an offset."""
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest(
            f"{name} must be a date (2026-11-01) or a date and time with an offset.", field=name
        )
    return moment.astimezone(UTC)


@bp.function_name(FUNCTION_NAME)
@bp.route(route="requests/export", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def export_requests(req: func.HttpRequest) -> func.HttpResponse:
    """Every retained request of `status` (default all) created in [from, to), one row per
    user, as CSV (RFC 4180, UTF-8 with a byte order mark)."""
    who = principal(req)
    created_from = parse_instant(req.params.get("from"), "from")
    created_to = parse_instant(req.params.get("to"), "to")
    if created_from and created_to and created_to <= created_from:
        raise InvalidRequest("to must come after from.", field="to")
    chunks = _deps.service().export(
        who, parse_view(req.params.get("status")) or "all", created_from, created_to
    )
    # The Functions worker sends a body whole: the rows are made page by page, the bytes
    # joined once.
    return csv_response(b"".join(c.encode("utf-8") for c in chunks), "license-requests.csv")
