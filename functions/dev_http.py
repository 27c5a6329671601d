"""Dev-only token minting for the console's dev sign-in (404 unless AUTH_MODE=dev)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from functions._http import endpoint, json_response, parse_body
from shared.errors import InvalidRequest, NotFound
from shared.lazy import lazy_import

if TYPE_CHECKING:
    from shared import auth, bootstrap, models
else:  # loaded on first call, not when the host indexes the functions
    auth = lazy_import("shared.auth")
    bootstrap = lazy_import("shared.bootstrap")
    models = lazy_import("shared.models")

bp = func.Blueprint()


@bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def dev_token(req: func.HttpRequest) -> func.HttpResponse:
    """A dev token for the given identity; does not exist outside dev mode."""
    settings = bootstrap.container().settings
    if settings.auth_mode != "dev":
        raise NotFound("No such endpoint.")
    body = parse_body(req, models.DevTokenRequest)
    try:
        token = auth.mint_dev_token(
            settings.dev_jwt_secret, body.tenant, body.email, name=body.name, admin=body.admin
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    return json_response({"token": token})
