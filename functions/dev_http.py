"""Dev-only token minting for the console's dev sign-in (404 unless AUTH_MODE=dev)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._deps import models
from functions._http import endpoint, json_response, parse_body
from shared.domain.errors import InvalidRequest, NotFound

bp = func.Blueprint()


@bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def dev_token(req: func.HttpRequest) -> func.HttpResponse:
    """A dev token for the given identity; does not exist outside dev mode."""
    if _deps.settings().auth_mode != "dev":
        raise NotFound("No such endpoint.")
    body = parse_body(req, models.DevTokenRequest)
    try:
        token = _deps.mint_dev_token(body.tenant, body.email, body.name, body.admin, body.role)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    return json_response({"token": token})
