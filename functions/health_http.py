"""Liveness and readiness, for load balancers, probes and `make run`'s start-up check."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._http import endpoint, json_response
from shared.domain.errors import InvalidRequest

bp = func.Blueprint()

_YES, _NO = ("1", "true"), ("", "0", "false")


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Liveness: always 200 while the process runs, no token, no storage. With `?ready=1`,
    readiness: 200 when storage answers a read, else 503 with Retry-After."""
    ready = (req.params.get("ready") or "").lower()
    if ready in _NO:
        return json_response({"status": "ok"})
    if ready not in _YES:
        raise InvalidRequest("ready must be 1, true, 0 or false.", field="ready")
    _deps.check_ready()
    return json_response({"status": "ready"})
