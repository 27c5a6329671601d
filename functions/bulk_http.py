"""Bulk decisions: one decision for up to 100 requests (X14)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._deps import bulk
from functions._http import endpoint, json_response, parse_body, principal

bp = func.Blueprint()


@bp.route(route="requests/decisions", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def decide_many(req: func.HttpRequest) -> func.HttpResponse:
    """Approve or deny each listed request on its own, oldest first: 200 with one result
    per id (its status, and the request or the error code)."""
    who = principal(req)
    outcomes = _deps.service().decide_many(who, parse_body(req, bulk.BulkDecision))
    return json_response({"results": [o.to_wire() for o in outcomes]})
