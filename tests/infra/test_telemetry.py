"""shared.adapters.telemetry: no import without a connection string; Entra ID with one."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import azure.identity
import azure.monitor.opentelemetry
import pytest

from shared.adapters import telemetry
from shared.adapters.telemetry import TelemetryPlan, configure_telemetry, telemetry_plan
from shared.config import load_settings
from tests.infra.test_identity_clients import CLIENT_ID, deployed_environment

AAD_FOR_CLIENT = f"ClientId={CLIENT_ID};Authorization=AAD"
CONNECTION = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/"


def test_without_connection_string_nothing_is_imported_or_configured() -> None:
    code = (
        "import sys\n"
        "from shared.adapters.telemetry import configure_telemetry\n"
        "from shared.config import load_settings\n"
        "assert configure_telemetry(load_settings({})) is False\n"
        "blank = {'APPLICATIONINSIGHTS_CONNECTION_STRING': ' '}\n"
        "assert configure_telemetry(load_settings(blank)) is False\n"
        "print([m for m in sys.modules if m.startswith(('azure', 'opentelemetry'))])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("env", "plan"),
    [
        ({}, None),
        (
            {"APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION},
            TelemetryPlan(CONNECTION, False, None),
        ),
        (
            {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION,
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": AAD_FOR_CLIENT,
            },
            TelemetryPlan(CONNECTION, True, CLIENT_ID),
        ),
        (
            {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION,
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD",
                "AzureWebJobsStorage__clientId": CLIENT_ID,
            },
            TelemetryPlan(CONNECTION, True, CLIENT_ID),
        ),
        (
            {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION,
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD",
            },
            TelemetryPlan(CONNECTION, True, None),  # system-assigned identity
        ),
        (
            {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION,
                "AzureWebJobsStorage__clientId": CLIENT_ID,
            },
            TelemetryPlan(CONNECTION, False, None),  # AAD only when asked for
        ),
    ],
)
def test_plan_follows_the_authentication_string(
    env: dict[str, str], plan: TelemetryPlan | None
) -> None:
    assert telemetry_plan(load_settings(env)) == plan


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """configure_telemetry as on a cold start, with the exporter and identity recorded."""
    calls: dict[str, Any] = {"configure": [], "credential": []}
    levels = {name: logging.getLogger(name).level for name in telemetry.NOISY_LOGGERS}

    class RecordingCredential:
        def __init__(self, **kwargs: Any) -> None:
            calls["credential"].append(kwargs)

    monkeypatch.setattr(telemetry, "_configured", False)
    monkeypatch.setattr(telemetry, "_sdk_already_configured", lambda: False)
    monkeypatch.setattr(azure.identity, "ManagedIdentityCredential", RecordingCredential)
    monkeypatch.setattr(
        azure.monitor.opentelemetry,
        "configure_azure_monitor",
        lambda **kwargs: calls["configure"].append(kwargs),
    )
    yield calls
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_deployed_settings_export_with_the_managed_identity(fresh: dict[str, Any]) -> None:
    env = deployed_environment()
    assert configure_telemetry(load_settings(env)) is True
    [options] = fresh["configure"]
    assert options["connection_string"] == env["APPLICATIONINSIGHTS_CONNECTION_STRING"]
    assert fresh["credential"] == [{"client_id": CLIENT_ID}]
    assert type(options["credential"]).__name__ == "RecordingCredential"
    # Once per process: a second call changes nothing.
    assert configure_telemetry(load_settings(env)) is True
    assert len(fresh["configure"]) == 1
    for name in telemetry.NOISY_LOGGERS:
        assert logging.getLogger(name).level == logging.WARNING


def test_without_authentication_string_no_credential_is_passed(fresh: dict[str, Any]) -> None:
    settings = load_settings({"APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION})
    assert configure_telemetry(settings) is True
    assert fresh["configure"] == [{"connection_string": CONNECTION}]
    assert fresh["credential"] == []


def test_steps_aside_when_the_worker_configured_the_distro(
    fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telemetry, "_sdk_already_configured", lambda: True)
    assert configure_telemetry(load_settings(deployed_environment())) is True
    assert fresh["configure"] == []


def test_sdk_detection_sees_no_provider_in_a_plain_process() -> None:
    code = "from shared.adapters.telemetry import _sdk_already_configured as f; print(f())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_failing_exporter_never_stops_the_app(
    fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise ValueError("Invalid instrumentation key")

    monkeypatch.setattr(azure.monitor.opentelemetry, "configure_azure_monitor", broken)
    assert configure_telemetry(load_settings(deployed_environment())) is False
    assert "telemetry could not be configured" in caplog.text
    assert telemetry._configured is False
