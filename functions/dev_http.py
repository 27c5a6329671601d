"""Dev-only token minting for the console's dev sign-in (404 unless AUTH_MODE=dev)."""

from __future__ import annotations

import azure.functions as func
from pydantic import Field

from functions._http import endpoint, json_response, parse_body
from shared.auth import mint_dev_token
from shared.bootstrap import container
from shared.errors import InvalidRequest, NotFound
from shared.models import Email, InputModel, Text200

bp = func.Blueprint()


class DevTokenRequest(InputModel):
    """Body of POST /api/dev/token."""

    tenant: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    email: Email
    name: Text200 | None = None
    admin: bool = False


@bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def dev_token(req: func.HttpRequest) -> func.HttpResponse:
    """A dev token for the given identity; does not exist outside dev mode."""
    settings = container().settings
    if settings.auth_mode != "dev":
        raise NotFound("No such endpoint.")
    body = parse_body(req, DevTokenRequest)
    try:
        token = mint_dev_token(
            settings.dev_jwt_secret, body.tenant, body.email, name=body.name, admin=body.admin
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    return json_response({"token": token})
