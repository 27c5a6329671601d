"""The app registers exactly the routes, methods and triggers of SPEC §6 and §7."""

from __future__ import annotations

import json
from pathlib import Path

from tools.inprocess import registered

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_HTTP = {
    ("GET", "health"),
    ("GET", "products"),
    ("PUT", "products/{productId}"),
    ("GET", "settings/request-process"),
    ("PUT", "settings/request-process"),
    ("POST", "requests"),
    ("GET", "requests"),
    ("GET", "requests/{id}"),
    ("POST", "requests/{id}/approve"),
    ("POST", "requests/{id}/deny"),
    ("GET", "me/requests"),
    ("POST", "dev/token"),
    ("GET", "console/{*path}"),
    ("GET", "setup/microsoft365"),
    ("DELETE", "setup/microsoft365"),
    ("GET", "setup/microsoft365/consent"),
    ("GET", "setup/microsoft365/callback"),
    ("POST", "products/sync"),
    ("GET", "directory/users"),
    ("POST", "requests/{id}/retry-fulfilment"),
}


def _bindings() -> dict[str, list[dict[str, object]]]:
    return {
        f.get_function_name(): json.loads(f.get_function_json())["bindings"] for f in registered()
    }


def test_every_spec_route_is_registered_with_its_method_and_nothing_else() -> None:
    routes = set()
    for bindings in _bindings().values():
        for binding in bindings:
            if binding["type"] == "httpTrigger":
                assert binding["authLevel"] == "ANONYMOUS"  # tokens are checked by the app
                for method in binding["methods"]:  # type: ignore[union-attr]
                    routes.add((method, binding["route"]))
    assert routes == EXPECTED_HTTP


def test_every_http_function_returns_through_the_http_output_binding() -> None:
    for name, bindings in _bindings().items():
        if any(b["type"] == "httpTrigger" for b in bindings):
            assert {"type": "http", "direction": "OUT", "name": "$return"} in bindings, name


def test_host_json_serves_under_api_with_queue_retries() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert host["extensions"]["http"]["routePrefix"] == "api"
    assert host["extensions"]["queues"]["maxDequeueCount"] == 5


def test_background_functions_have_the_spec_triggers() -> None:
    bindings = _bindings()
    [queue] = [b for b in bindings["send_notification_emails"] if b["type"] == "queueTrigger"]
    assert queue["queueName"] == "license-notifications"
    assert queue["connection"] == "AzureWebJobsStorage"
    [retention] = [b for b in bindings["retention_sweep"] if b["type"] == "timerTrigger"]
    assert retention["schedule"] == "%RETENTION_SCHEDULE%"
    [relay] = [b for b in bindings["relay_outbox"] if b["type"] == "timerTrigger"]
    assert relay["schedule"] == "%OUTBOX_RELAY_SCHEDULE%"
    [fulfil] = [b for b in bindings["fulfil_licences"] if b["type"] == "queueTrigger"]
    assert fulfil["queueName"] == "license-fulfilment"
    [sync] = [b for b in bindings["sync_catalogues"] if b["type"] == "timerTrigger"]
    assert sync["schedule"] == "%CATALOGUE_SYNC_SCHEDULE%"
    triggers = {
        name: next(b["type"] for b in bs if str(b["type"]).endswith("Trigger"))
        for name, bs in bindings.items()
    }
    assert sorted(n for n, t in triggers.items() if t != "httpTrigger") == [
        "fulfil_licences",
        "relay_outbox",
        "retention_sweep",
        "send_notification_emails",
        "sync_catalogues",
    ]
