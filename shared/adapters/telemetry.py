"""OpenTelemetry export to Application Insights, set up once when the app starts.

`configure_telemetry()` is called by function_app.py before the app is built. Without
`APPLICATIONINSIGHTS_CONNECTION_STRING` (local runs, tests, the dev host) it returns at
once and never imports `azure.monitor` or `opentelemetry`: a cold start pays nothing.

In Azure (see infra/) the connection string is set and Application Insights accepts
Entra ID tokens only (`DisableLocalAuth`), so the exporter authenticates with the app's
managed identity, chosen the way `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` says:

* `ClientId=<id>;Authorization=AAD` -> `ManagedIdentityCredential(client_id=<id>)`,
* `Authorization=AAD` alone -> the identity in `AzureWebJobsStorage__clientId` (the one
  the app uses for storage), else the system-assigned identity,
* no authentication string -> no credential (instrumentation-key ingestion).

When the Functions Python worker has already configured the Azure Monitor distro itself
(`PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true` makes it do so, and the exporter reads
the same authentication string), a second configuration would export everything twice,
so this one steps aside.

Log records' `extra=` fields become custom dimensions in Application Insights: log ids
and counts there, never tokens, email addresses or email bodies.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from shared.config import Settings

log = logging.getLogger(__name__)

# Loggers that speak on every HTTP call and token fetch at INFO: kept to warnings once
# telemetry is exported, so Application Insights holds the app's records, not the SDKs'.
NOISY_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity")

_lock = threading.Lock()
_configured = False


@dataclass(frozen=True)
class TelemetryPlan:
    """What `configure_telemetry` does with the settings."""

    connection_string: str
    entra_auth: bool
    client_id: str | None


def telemetry_plan(settings: Settings) -> TelemetryPlan | None:
    """The telemetry these settings ask for, or None when they ask for none."""
    connection = settings.appinsights_connection_string
    if not connection:
        return None
    auth = _parse_pairs(settings.appinsights_authentication_string or "")
    entra = auth.get("authorization", "").upper() == "AAD"
    client_id = (auth.get("clientid") or settings.managed_identity_client_id or "").strip() or None
    return TelemetryPlan(connection, entra, client_id if entra else None)


def _parse_pairs(raw: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in raw.split(";") if "=" in part)
    return {key.strip().lower(): value.strip() for key, value in pairs}


def configure_telemetry(settings: Settings) -> bool:
    """Export logs, traces and metrics to Application Insights when configured.

    Returns True when telemetry is exported (set up by this call, an earlier one, or the
    Functions worker); False when the settings ask for none, or when setting it up
    failed (logged: telemetry never keeps the app from starting). Safe to call repeatedly.
    """
    global _configured
    plan = telemetry_plan(settings)
    if plan is None:
        return False
    with _lock:
        if _configured:
            return True
        try:
            if _sdk_already_configured():
                log.info("telemetry already configured by the Functions worker")
            else:
                _configure_azure_monitor(plan)
                log.info(
                    "telemetry exported to Application Insights",
                    extra={"entra_auth": plan.entra_auth},
                )
        except Exception:
            log.exception("telemetry could not be configured; the app runs without it")
            return False
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        _configured = True
    return True


def _sdk_already_configured() -> bool:
    """True when an OpenTelemetry SDK tracer provider is installed (the worker's distro)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    return isinstance(trace.get_tracer_provider(), TracerProvider)


def _configure_azure_monitor(plan: TelemetryPlan) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    options: dict[str, Any] = {"connection_string": plan.connection_string}
    if plan.entra_auth:
        from azure.identity import ManagedIdentityCredential

        options["credential"] = ManagedIdentityCredential(client_id=plan.client_id)
    configure_azure_monitor(**options)
