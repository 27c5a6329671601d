"""Over HTTP: every path and method under /api answers problem+json (404 for no endpoint,
405 with Allow for another method), the real routes still win over the catch-all, and
/api/openapi.json is served to anyone and validates."""

from __future__ import annotations

import pytest
import requests
from openapi_spec_validator import validate

from tests.support.api import Api, Tenant


def _problem(response: requests.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].split(";")[0] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:license-requests:problem:{code}"
    return body


@pytest.mark.parametrize("path", ["/api/nothing", "/api/products/visio/extra", "/api/%2e%2e/x"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_path_no_endpoint_has_is_a_404_problem(anonymous: Api, method: str, path: str) -> None:
    _problem(anonymous.call(method, path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_the_api_root_leads_a_browser_to_the_console(anonymous: Api, path: str) -> None:
    # The first address `make run` prints: a browser opening it lands on the console.
    response = anonymous.call("GET", path, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/console/"
    _problem(anonymous.call("POST", path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/api/health", "GET"),
        ("DELETE", "/api/products", "GET"),
        ("DELETE", "/api/products/sync", "POST"),
        ("PUT", "/api/products/sync", "POST"),
        ("GET", "/api/requests/8204047984898dfo5jl/deny", "POST"),
        ("PATCH", "/api/requests", "GET, POST"),
        ("PUT", "/api/setup/microsoft365", "DELETE, GET"),
        ("POST", "/api/console/index.html", "GET"),
        ("OPTIONS", "/api/settings/request-process", "GET, PUT"),
        ("POST", "/api/openapi.json", "GET"),
    ],
)
def test_another_method_is_a_405_problem_with_allow(
    tenant: Tenant, method: str, path: str, allow: str
) -> None:
    body = _problem(tenant.admin.call(method, path), 405, "method_not_allowed")
    response = tenant.admin.call(method, path)
    assert response.headers["Allow"] == allow
    assert body["allowed"] == allow.split(", ")


def test_a_head_request_gets_the_status_without_a_body(anonymous: Api) -> None:
    response = anonymous.call("HEAD", "/api/health")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.content == b""


def test_the_real_routes_still_win(tenant: Tenant, anonymous: Api) -> None:
    assert anonymous.get("/api/health").json() == {"status": "ok"}
    console = anonymous.get("/api/console/")
    assert console.status_code == 200 and console.headers["Content-Type"].startswith("text/html")
    assert anonymous.get("/api/console/no-such-file.js").json()["detail"] == "No such console file."
    # requests/{id} answers for any id: its own 404, not the catch-all's.
    missing = _problem(tenant.admin.get("/api/requests/nope"), 404, "not_found")
    assert missing["detail"] == "No such request."
    assert tenant.admin.post("/api/products/sync").json()["code"] == "not_connected"
    assert tenant.user.get("/api/me/requests").status_code == 200


def test_the_document_is_served_to_anyone_and_validates(anonymous: Api) -> None:
    response = anonymous.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    validate(document)
    assert document["servers"] == [{"url": "/api"}]
    assert "/requests/{id}/approve" in document["paths"]
