"""The "use your own request process" setting (R6, R7) and admin notification list."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._deps import models
from functions._http import endpoint, json_response, parse_body, principal

bp = func.Blueprint()


@bp.route(route="settings/request-process", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_request_process(req: func.HttpRequest) -> func.HttpResponse:
    """The own-process switch, message and link (admins also see notifyAdmins)."""
    who = principal(req)
    process = _deps.service().get_request_process(who)
    return json_response(process.to_view(admin=_deps.service().is_admin(who)))


@bp.route(route="settings/request-process", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def put_request_process(req: func.HttpRequest) -> func.HttpResponse:
    """Switch the own request process on or off (admins)."""
    who = principal(req)
    body = parse_body(req, models.RequestProcessPut)
    return json_response(_deps.service().put_request_process(who, body).to_view(admin=True))
