"""Time-limited licences (X14): a product's holders with the end of their terms, and
extending a term (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from functions import _deps
from functions._http import endpoint, json_response, parse_body, principal
from shared.lazy import lazy_import

if TYPE_CHECKING:
    from shared.domain import terms
else:
    terms = lazy_import("shared.domain.terms")

bp = func.Blueprint()


@bp.route(
    route="products/{productId}/assignments", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS
)
@endpoint
def product_assignments(req: func.HttpRequest) -> func.HttpResponse:
    """Who holds the product through a request, and until when (null: permanent)."""
    who = principal(req)
    product_id = req.route_params["productId"]
    holders = _deps.service().terms.holders(who, product_id)
    assignments = [h.to_wire() for h in holders]
    return json_response({"productId": product_id, "assignments": assignments})


@bp.route(
    route="products/{productId}/assignments/{email}/extend",
    methods=["POST"],
    auth_level=func.AuthLevel.ANONYMOUS,
)
@endpoint
def extend_assignment(req: func.HttpRequest) -> func.HttpResponse:
    """A later end for a time-limited licence: {"until"} or {"duration"} added to it."""
    who = principal(req)
    body = parse_body(req, terms.ExtendCommand)
    params = req.route_params
    holder = _deps.service().terms.extend(who, params["productId"], params["email"], body)
    return json_response(holder.to_wire())
