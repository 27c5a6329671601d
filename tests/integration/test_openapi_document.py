"""/api/openapi.json, in-process: a valid OpenAPI 3.1 document of exactly the app's routes,
its models and its problem codes; and the catch-all's 404 / 405 from the same route table."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

from functions import openapi_http, openapi_schemas
from functions.route_table import RouteTable
from functions.unknown_route_http import FUNCTION_NAME
from shared.app.catalogue import CatalogueItem
from shared.domain.models import Product, ServicePlan
from tools.inprocess import registered

URL = "http://localhost/api/openapi.json"


def _invoke(
    name: str, method: str, path: str, route_params: dict[str, str], body: bytes = b""
) -> func.HttpResponse:
    """The function's own HttpResponse (its mimetype included)."""
    [fn] = [f for f in registered() if f.get_function_name() == name]
    request = func.HttpRequest(
        method, f"http://localhost/api/{path}", headers={}, route_params=route_params, body=body
    )
    response: func.HttpResponse = fn.get_user_function()(request)
    return response


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = _invoke("openapi_document", "GET", "openapi.json", {})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = json.loads(response.get_body())
    return body


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api"}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }


def test_every_route_and_method_is_documented_and_nothing_else(document: dict[str, Any]) -> None:
    table = RouteTable.of(registered())
    expected = {
        (method, "/" + re.sub(r"\{\*(\w+)\}", r"{\1}", route.route)): route.function
        for route in table.endpoints
        for method in route.methods or ()
    }
    documented = {key: op["operationId"] for key, op in _operations(document).items()}
    assert documented == expected
    assert FUNCTION_NAME not in documented.values()


def test_each_operation_says_who_may_call_it(document: dict[str, Any]) -> None:
    for (method, path), op in _operations(document).items():
        anonymous = op.get("security") == []
        statuses = set(op["responses"])
        assert anonymous == (
            path in {"/health", "/openapi.json", "/dev/token"}
            or path.startswith("/console")
            or path.endswith("/callback")
        ), path
        assert ("401" in statuses) != anonymous, (method, path)
        admin = "Admins" in op.get("description", "")
        assert ("403" in statuses) == admin, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= statuses, (method, path)
        assert any(s.startswith("2") or s.startswith("3") for s in statuses), (method, path)


def test_bodies_are_the_input_models(document: dict[str, Any]) -> None:
    bodies = {
        key: op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for key, op in _operations(document).items()
        if "requestBody" in op
    }
    assert bodies == {
        ("PUT", "/products/{productId}"): "ProductPut",
        ("PUT", "/settings/request-process"): "RequestProcessPut",
        ("PUT", "/settings/notifications"): "NotificationSettingsPut",
        ("POST", "/requests"): "RequestCreate",
        ("POST", "/requests/{id}/approve"): "ApproveCommand",
        ("POST", "/requests/{id}/deny"): "DenyCommand",
        ("POST", "/requests/decisions"): "BulkDecision",
        ("POST", "/dev/token"): "DevTokenRequest",
        ("POST", "/products/{productId}/assignments/{email}/extend"): "ExtendCommand",
    }
    schemas = document["components"]["schemas"]
    for name in bodies.values():
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["RequestUserIn"]["properties"]["email"]["format"] == "email"
    url = schemas["RequestProcessPut"]["properties"]["documentationUrl"]["anyOf"][0]
    assert url["format"] == "uri"


def test_answers_carry_the_wire_members_only(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "directoryId" not in schemas["RequestUser"]["properties"]
    assert set(schemas["Fulfilment"]["properties"]) == {"status", "updatedAt", "round"}
    assert {"failure", "fulfilment"}.isdisjoint(schemas["LicenseRequest"]["required"])
    assert "fulfilment" in schemas["LicenseRequest"]["properties"]


def test_every_problem_code_is_one_the_app_raises(document: dict[str, Any]) -> None:
    known = openapi_schemas.problem_codes()
    for (method, path), op in _operations(document).items():
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            schema = response["content"]["application/problem+json"]["schema"]
            refs = [s["$ref"] for s in schema.get("oneOf", [schema])]
            for ref in refs:
                problem = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                code = problem["allOf"][1]["properties"]["code"]["const"]
                assert known[code][0] == int(status), (method, path, code)
        if "503" in op["responses"]:
            assert "Retry-After" in op["responses"]["503"]["headers"]


def _validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    resource = Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}
    )
    registry = Registry().with_resource("urn:doc", resource)
    return Draft202012Validator({"$ref": f"urn:doc#/components/schemas/{name}"}, registry=registry)


@pytest.mark.parametrize("admin", [True, False])
def test_hand_written_views_describe_what_the_app_answers(
    document: dict[str, Any], admin: bool
) -> None:
    now = datetime(2025, 1, 2, tzinfo=UTC)
    plans = [ServicePlan(id="visio", name="Visio")]
    manual = Product(
        id="visio",
        name="Visio",
        self_service_purchase="blocked",
        service_plans=plans,
        total_licenses=3,
        assigned_licenses=1,
        updated_at=now,
    )
    microsoft365 = manual.model_copy(
        update={
            "id": "m365-visio",
            "source": "microsoft365",
            "sku_id": "c5928f49-12ba-48f7-ada3-0d743a3601d5",
            "sku_part_number": "VISIOCLIENT",
            "reserved_licenses": 1,
        }
    )
    items = [CatalogueItem(p, [p.id]).to_view(admin=admin) for p in (manual, microsoft365)]
    _validator(document, "ProductList").validate(json.loads(json.dumps({"items": items})))
    _validator(document, "ProductView").validate(microsoft365.to_view(admin=admin))


def test_the_document_is_built_once_per_process() -> None:
    assert openapi_http.document_bytes() is openapi_http.document_bytes()


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("POST", "", 404, None),
        ("GET", "nothing/here", 404, None),
        ("POST", "health", 405, "GET"),
        ("DELETE", "products/sync", 405, "POST"),
        ("GET", "requests/123/approve", 405, "POST"),
        ("PATCH", "requests", 405, "GET, POST"),
        ("POST", "console/index.html", 405, "GET"),
        ("DELETE", "setup/microsoft365/consent", 405, "GET"),
        ("POST", "SETTINGS/Request-Process/", 405, "GET, PUT"),  # literals match in any case
    ],
)
def test_the_catch_all_answers_from_the_route_table(
    method: str, path: str, status: int, allow: str | None
) -> None:
    response = _invoke(FUNCTION_NAME, method, path, {"rest": path})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.get_body())
    assert body["code"] == ("not_found" if status == 404 else "method_not_allowed")
    assert body["status"] == status
    assert response.headers.get("Allow") == allow


def test_sync_is_not_a_product_id() -> None:
    body = {"name": "Sync", "selfServicePurchase": "blocked", "totalLicenses": 1}
    response = _invoke(
        "put_product", "PUT", "products/sync", {"productId": "sync"}, json.dumps(body).encode()
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
