"""The app registers exactly the routes, methods and triggers of SPEC §6 and §7, plus
/api/openapi.json and the catch-all that answers every other path and method."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from functions.route_table import HttpRoute, RouteTable
from functions.unknown_route_http import CATCH_ALL_ROUTE, FUNCTION_NAME
from tools.devhost.routing import Router
from tools.inprocess import registered

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_HTTP = {
    ("GET", "health"),
    ("GET", "products"),
    ("PUT", "products/{productId}"),
    ("GET", "settings/request-process"),
    ("PUT", "settings/request-process"),
    ("GET", "settings/notifications"),
    ("PUT", "settings/notifications"),
    ("POST", "requests"),
    ("GET", "requests"),
    ("GET", "requests/{id}"),
    ("POST", "requests/{id}/approve"),
    ("POST", "requests/{id}/deny"),
    ("POST", "requests/decisions"),
    ("GET", "requests/export"),
    ("GET", "products/{productId}/waitlist"),
    ("DELETE", "products/{productId}/waitlist/{email}"),
    ("GET", "products/{productId}/assignments"),
    ("POST", "products/{productId}/assignments/{email}/extend"),
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
    ("GET", "openapi.json"),
}
# Every method: problem+json 404 / 405 for what no other route takes.
CATCH_ALL = (FUNCTION_NAME, CATCH_ALL_ROUTE)


def _bindings() -> dict[str, list[dict[str, object]]]:
    return {
        f.get_function_name(): json.loads(f.get_function_json())["bindings"] for f in registered()
    }


def test_every_spec_route_is_registered_with_its_method_and_nothing_else() -> None:
    routes = set()
    catch_all = []
    for name, bindings in _bindings().items():
        for binding in bindings:
            if binding["type"] == "httpTrigger":
                assert binding["authLevel"] == "ANONYMOUS"  # tokens are checked by the app
                if "methods" not in binding:
                    catch_all.append((name, binding["route"]))
                    continue
                for method in binding["methods"]:  # type: ignore[union-attr]
                    routes.add((method, binding["route"]))
    assert routes == EXPECTED_HTTP
    assert catch_all == [CATCH_ALL]


def _table() -> RouteTable:
    return RouteTable.of(registered())


def _overlap(a: HttpRoute, b: HttpRoute) -> bool:
    """Whether some path matches both templates."""
    for x, y in zip(a.segments, b.segments, strict=False):
        if x.catch_all or y.catch_all:
            return True
        if x.parameter is None and y.parameter is None and x.text.lower() != y.text.lower():
            return False
    return len(a.segments) == len(b.segments)


def test_the_catch_all_comes_last_in_either_routing_order() -> None:
    """Azure Functions tries routes in the order of its function list (by name); ASP.NET's
    precedence (the dev host) puts a bare catch-all after any template with a literal."""
    http = [f for f in registered() if f.is_http_function()]
    names = [f.get_function_name() for f in http]
    assert names[-1] == FUNCTION_NAME  # registered last
    others = [n for n in names if n != FUNCTION_NAME]
    assert all(n < FUNCTION_NAME and n.lower() < FUNCTION_NAME.lower() for n in others)
    assert all(r.segments[0].parameter is None for r in _table().endpoints)


def _literal_wins(a: HttpRoute, b: HttpRoute) -> bool:
    """Where a literal segment of one meets a parameter of the other, the literal's route
    wins in both routing orders: ASP.NET's precedence (the dev host) prefers literals, and
    the literal's function name sorts first (Azure tries routes by name)."""
    for x, y in zip(a.segments, b.segments, strict=True):
        if (x.parameter is None) != (y.parameter is None):
            literal, other = (a, b) if x.parameter is None else (b, a)
            return literal.function < other.function
    return False


def test_no_two_endpoints_share_a_path_and_a_method() -> None:
    """So the order of the routes never decides which function answers a request, except
    a literal path beside a parameter (`requests/export`, `requests/{id}`), which wins in
    either order."""
    clashes = [
        (a.route, b.route, sorted(a.methods & b.methods))
        for a, b in combinations(_table().endpoints, 2)
        if a.methods
        and b.methods
        and a.methods & b.methods
        and _overlap(a, b)
        and not _literal_wins(a, b)
    ]
    assert clashes == []


def _sample(route: HttpRoute) -> str:
    return "/api/" + "/".join(
        ("x1/y2" if s.catch_all else f"p{i}x") if s.parameter else s.text
        for i, s in enumerate(route.segments)
    )


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_the_dev_host_routes_each_path_to_its_endpoint_and_the_rest_to_the_catch_all(
    method: str,
) -> None:
    router: Router[str] = Router()
    table = _table()
    for route in table.routes:
        router.add(f"api/{route.route}", route.methods, route.function)
    endpoints = {r.function: r for r in table.endpoints}
    for route in table.endpoints:
        path = _sample(route)
        found = router.match(method, path)
        assert found is not None, path
        if route.methods and method in route.methods:
            assert found[0] == route.function, (method, path)
        elif found[0] != FUNCTION_NAME:
            # Another endpoint also takes this path and method (PUT products/sync).
            other = endpoints[found[0]]
            assert other.methods and method in other.methods and other.matches(path[5:])
    for path in ("/api", "/api/", "/api/nothing", "/api/requests/1/2/3", "/api/HEALTH/x"):
        found = router.match(method, path)
        assert found is not None and found[0] == FUNCTION_NAME, path


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
    [remind] = [b for b in bindings["send_reminder_digests"] if b["type"] == "timerTrigger"]
    assert remind["schedule"] == "%REMINDER_SCHEDULE%"
    [reclaim] = [b for b in bindings["reclaim_licences"] if b["type"] == "timerTrigger"]
    assert reclaim["schedule"] == "%RECLAIM_SCHEDULE%"
    triggers = {
        name: next(b["type"] for b in bs if str(b["type"]).endswith("Trigger"))
        for name, bs in bindings.items()
    }
    assert sorted(n for n, t in triggers.items() if t != "httpTrigger") == [
        "fulfil_licences",
        "reclaim_licences",
        "relay_outbox",
        "retention_sweep",
        "send_notification_emails",
        "send_reminder_digests",
        "sync_catalogues",
    ]
