"""A product's waitlist (X14): the queue, and taking someone off it (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from functions import _deps
from functions._http import endpoint, json_response, principal

if TYPE_CHECKING:
    from shared.domain.waitlist import WaitEntry

bp = func.Blueprint()


@bp.route(
    route="products/{productId}/waitlist", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS
)
@endpoint
def product_waitlist(req: func.HttpRequest) -> func.HttpResponse:
    """The people waiting for a seat of the product, first come first served."""
    who = principal(req)
    queue = _deps.service().waitlist.queue(who, req.route_params["productId"])
    return json_response(
        {"items": [entry_view(e, place) for place, e in enumerate(queue, start=1)]}
    )


@bp.route(
    route="products/{productId}/waitlist/{email}",
    methods=["DELETE"],
    auth_level=func.AuthLevel.ANONYMOUS,
)
@endpoint
def remove_from_waitlist(req: func.HttpRequest) -> func.HttpResponse:
    """Take someone off the product's waitlist; they are emailed."""
    who = principal(req)
    params = req.route_params
    entry = _deps.service().waitlist.remove(who, params["productId"], params["email"])
    return json_response({"removed": entry_view(entry, None)})


def entry_view(entry: WaitEntry, position: int | None) -> dict[str, object]:
    """An entry on the wire."""
    view: dict[str, object] = {
        "email": entry.email,
        "name": entry.name,
        "requestId": entry.request_id,
        "since": entry.since.isoformat().replace("+00:00", "Z"),
    }
    if position is not None:
        view["position"] = position
    return view
