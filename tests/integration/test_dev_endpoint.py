"""POST /api/dev/token exists only in dev mode."""

from __future__ import annotations

from shared import bootstrap
from shared.config import load_settings
from tests.integration.conftest import App
from tools.inprocess import call


def test_dev_token_endpoint_is_404_in_entra_mode(app: App) -> None:
    entra = load_settings(
        {
            "AUTH_MODE": "entra",
            "AUTH_AUDIENCE": "api://license-requests",
            "CURSOR_SECRET": "x" * 40,
            "AzureWebJobsStorage": app.container.settings.storage_connection or "",
        }
    )
    bootstrap.override(bootstrap.build(entra, store=app.container.store, clock=app.clock))
    reply = call(
        "dev_token",
        "POST",
        "http://l/api/dev/token",
        body={"tenant": "contoso", "email": "a@contoso.com", "admin": True},
    )
    assert reply.status == 404
    assert reply.body["code"] == "not_found"


def test_dev_token_endpoint_mints_a_working_token_in_dev_mode(app: App) -> None:
    reply = call(
        "dev_token",
        "POST",
        "http://l/api/dev/token",
        body={"tenant": app.tenant, "email": "a@contoso.com", "admin": True},
    )
    assert reply.status == 200
    listed = call("list_requests", "GET", "http://l/api/requests", token=reply.body["token"])
    assert listed.status == 200
