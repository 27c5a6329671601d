"""Microsoft 365: connecting a tenant, syncing its catalogue, the people picker, retries
of fulfilment (X11)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._http import endpoint, json_response, principal, redirect_response

bp = func.Blueprint()


@bp.route(route="setup/microsoft365", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_microsoft365(req: func.HttpRequest) -> func.HttpResponse:
    """Whether the tenant is connected, and whether this deployment can connect (admins)."""
    who = principal(req)
    service = _deps.service()
    connection = service.microsoft365.status(who).to_wire()
    return json_response({**connection, "available": service.microsoft365.available})


@bp.route(route="setup/microsoft365/consent", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def microsoft365_consent(req: func.HttpRequest) -> func.HttpResponse:
    """Microsoft's admin-consent page for the caller's tenant: a redirect, or its URL as
    JSON for a script or the console (`Accept: application/json`)."""
    url = _deps.service().microsoft365.consent_url(principal(req))
    if "application/json" in (req.headers.get("Accept") or ""):
        return json_response({"consentUrl": url})
    return redirect_response(url)


@bp.route(route="setup/microsoft365/callback", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def microsoft365_callback(req: func.HttpRequest) -> func.HttpResponse:
    """Where Microsoft sends the admin after consent (no token: the signed state says who)."""
    params = {k: str(v) for k, v in req.params.items()}
    return redirect_response(_deps.service().microsoft365.complete_consent(params))


@bp.route(route="setup/microsoft365", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def disconnect_microsoft365(req: func.HttpRequest) -> func.HttpResponse:
    """Stop using Microsoft 365 (admins)."""
    return json_response(_deps.service().microsoft365.disconnect(principal(req)).to_wire())


@bp.route(route="products/sync", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def sync_products(req: func.HttpRequest) -> func.HttpResponse:
    """Refresh the Microsoft 365 products now (admins)."""
    products = _deps.service().microsoft365.sync(principal(req))
    return json_response({"items": [p.to_view(admin=True) for p in products]})


@bp.route(route="directory/users", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def search_directory(req: func.HttpRequest) -> func.HttpResponse:
    """People of the caller's organisation whose name or address starts with `search`."""
    found = _deps.service().people.search(principal(req), req.params.get("search"))
    return json_response(
        {
            "items": [
                {
                    "id": u.id,
                    "displayName": u.display_name,
                    "mail": u.mail,
                    "userPrincipalName": u.user_principal_name,
                }
                for u in found
            ]
        }
    )


@bp.route(
    route="requests/{id}/retry-fulfilment", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS
)
@endpoint
def retry_fulfilment(req: func.HttpRequest) -> func.HttpResponse:
    """Assign again the licences Microsoft 365 could not assign (admins)."""
    who = principal(req)
    return json_response(_deps.service().retry_fulfilment(who, req.route_params["id"]).to_wire())


@bp.queue_trigger(arg_name="msg", queue_name="license-fulfilment", connection="AzureWebJobsStorage")
def fulfil_licences(msg: func.QueueMessage) -> None:
    """One round of an approval's assignments in Microsoft 365; raising retries it."""
    _deps.fulfilment_worker().handle(msg.get_body().decode("utf-8", errors="replace"))


@bp.timer_trigger(arg_name="timer", schedule="%CATALOGUE_SYNC_SCHEDULE%")
def sync_catalogues(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Refresh every connected tenant's Microsoft 365 products."""
    _deps.service().microsoft365.sync_all()
