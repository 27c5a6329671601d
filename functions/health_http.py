"""Liveness, for load balancers and `make run`'s readiness check."""

from __future__ import annotations

import azure.functions as func

from functions._http import endpoint, json_response

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - trigger binding
    """Always 200 while the process runs; needs no token and touches no storage."""
    return json_response({"status": "ok"})
