"""Contract: the emulator answers with the same shapes as Microsoft's documented examples
(tests/fixtures/graph/, sources in its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tools.graph_emulator.graph_users import KNOWN as USER_PROPERTIES
from tools.graph_emulator.server import GraphEmulator

from .conftest import DEV_CLIENT_ID, DEV_CLIENT_SECRET, E3, TEAMS, Graph

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "graph"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and JSON types, lists by their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else "string"


def test_subscribed_skus_have_the_documented_shape(graph: Graph) -> None:
    documented = fixture("subscribedSkus.list.response.json")
    ours = graph.get("/subscribedSkus").json()
    assert set(ours) == set(documented)
    item = shape(documented["value"][0])
    for sku in ours["value"]:
        assert shape(sku) == item, sku["skuPartNumber"]
        tenant_guid, _, sku_id = sku["id"].partition("_")
        assert sku_id == sku["skuId"] and len(tenant_guid) == 36


def test_user_default_properties_match_the_docs(graph: Graph) -> None:
    documented = fixture("user.get.response.json")
    ours = graph.get("/users/megan@contoso.com").json()
    ours.pop("@odata.context")
    assert list(ours) == list(documented)  # same properties, same order
    assert {k: type(v) for k, v in ours.items() if v is not None} == {
        k: type(v) for k, v in documented.items() if k in ours and ours[k] is not None
    }


def test_documented_assign_license_request(graph: Graph) -> None:
    body = fixture("assignLicense.request.json")
    unknown = graph.post("/users/megan@contoso.com/assignLicense", body)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "License 45715bb8-13f9-4bf6-927f-ef96c102d394 does not correspond to a valid company "
        "License."
    )
    body["addLicenses"][0] = {"disabledPlans": [TEAMS], "skuId": E3}
    body["removeLicenses"] = []
    answer = graph.post("/users/megan@contoso.com/assignLicense", body)
    assert answer.status_code == 200
    payload = answer.json()
    assert payload.pop("@odata.context").endswith("#users/$entity")
    assert set(payload) <= set(USER_PROPERTIES)
    documented = set(fixture("assignLicense.response.json"))
    assert {"accountEnabled", "assignedLicenses", "businessPhones", "city"} <= documented & set(
        USER_PROPERTIES
    )


def test_batch_shapes(graph: Graph) -> None:
    documented = fixture("batch.response.json")
    answer = graph.post("/$batch", fixture("batch.request.json"))
    assert answer.status_code == 200 and set(answer.json()) == set(documented)
    entries = {e["id"]: e for e in answer.json()["responses"]}
    assert set(entries) == {"1", "2", "3", "4", "5"}
    for entry in entries.values():
        assert set(entry) <= {"id", "status", "headers", "body"} and {
            "id",
            "status",
            "headers",
        } <= set(entry)
        if entry["status"] >= 400:
            assert shape(entry["body"]) == shape(documented["responses"][0]["body"])
    five = entries["5"]["body"]  # $filter city eq null, $count with ConsistencyLevel
    assert set(five) == set(documented["responses"][2]["body"])
    assert shape(five["value"][0]) == shape(documented["responses"][2]["body"]["value"][0])


def test_error_body_matches_the_docs(graph: Graph) -> None:
    documented = fixture("error.response.json")
    ours = graph.get('/users?$search="displayName:a"').json()
    assert shape(ours) == shape(documented)
    assert (ours["error"]["code"], ours["error"]["message"]) == (
        documented["error"]["code"],
        documented["error"]["message"],
    )


def test_throttled_body_matches_the_docs(graph: Graph, emulator: GraphEmulator) -> None:
    documented = fixture("throttled.response.json")
    emulator.add_fault("throttle", count=1, retry_after=10)
    answer = graph.get("/subscribedSkus")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "10"
    ours = answer.json()
    assert set(ours["error"]) == set(documented["error"])
    assert set(documented["error"]["innerError"]) <= set(ours["error"]["innerError"])
    assert ours["error"]["code"] == documented["error"]["code"]
    assert ours["error"]["message"] == documented["error"]["message"]


def test_token_request_and_responses(emulator: GraphEmulator, session: requests.Session) -> None:
    form = {
        **fixture("token.request.json"),
        "client_id": DEV_CLIENT_ID,
        "client_secret": DEV_CLIENT_SECRET,
    }
    ok = session.post(f"{emulator.base_url}/contoso/oauth2/v2.0/token", data=form)
    documented = fixture("token.response.json")
    assert set(documented) <= set(ok.json()) and shape(documented) == {
        k: shape(ok.json())[k] for k in documented
    }
    assert ok.json()["token_type"] == "Bearer"
    bad = session.post(
        f"{emulator.base_url}/contoso/oauth2/v2.0/token", data={**form, "scope": "x"}
    )
    error = fixture("token.error.response.json")
    assert shape(bad.json()) == shape(error)


def test_admin_consent_redirects(emulator: GraphEmulator, session: requests.Session) -> None:
    documented = fixture("adminconsent.redirects.json")
    request = parse_qs(urlsplit(documented["request"]).query)
    params = {k: v[0] for k, v in request.items()}
    for outcome, extra in (("granted", {}), ("declined", {"deny": "1"})):
        answer = session.get(
            f"{emulator.base_url}/contoso/v2.0/adminconsent",
            params={**params, **extra},
            allow_redirects=False,
        )
        assert answer.status_code == 302
        ours = parse_qs(urlsplit(answer.headers["Location"]).query)
        theirs = parse_qs(urlsplit(documented[outcome]).query)
        assert set(ours) == set(theirs), outcome
        assert ours["state"] == theirs["state"]
