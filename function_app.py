"""The Functions app: only wiring. Each area registers its blueprint here."""

import logging

import azure.functions as func

from functions import (
    _routes,
    assignments_http,
    bulk_http,
    console_http,
    dev_http,
    email_queue,
    export_http,
    health_http,
    microsoft365_http,
    openapi_http,
    products_http,
    reclaim_timer,
    reminder_timer,
    requests_http,
    retention_timer,
    settings_http,
    unknown_route_http,
    waitlist_http,
)
from shared.adapters.telemetry import configure_telemetry
from shared.config import get_settings

# Settings are validated at start so a misconfigured app fails loudly, not per call.
settings = get_settings()
# Before anything else logs, so start-up records are exported too. Without
# APPLICATIONINSIGHTS_CONNECTION_STRING (local runs, tests) it returns at once, importing nothing.
configure_telemetry(settings)

if settings.auth_mode == "dev":
    logging.getLogger(__name__).warning(
        "AUTH_MODE=dev: tokens are signed with DEV_JWT_SECRET. Never use this outside local runs."
    )

# Keeps its function list once built: the host indexes with it, /api/openapi.json and the
# catch-all's 404 / 405 read it (functions/_routes.py).
app = _routes.RoutedFunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for area in (
    health_http,
    products_http,
    settings_http,
    bulk_http,  # before requests_http: requests/decisions is not a request id
    export_http,  # and requests/export neither
    requests_http,
    dev_http,
    email_queue,
    retention_timer,
    reminder_timer,
    reclaim_timer,
    console_http,
    microsoft365_http,
    waitlist_http,
    assignments_http,
    openapi_http,
    # Last: problem+json for every path and method no other route takes.
    unknown_route_http,
):
    app.register_functions(area.bp)
_routes.serve_routes_of(app)
