"""The Graph adapter's requests and its reading of answers, held to Microsoft's documented
example bodies (tests/fixtures/graph, with their source pages in its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from azure.core.rest import HttpRequest

from shared.adapters.graph.client import GraphClient, GraphResponse
from shared.adapters.graph.directory import GraphDirectory, failure_of
from shared.app.directory import Assignment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Tokens:
    def token(self, tenant: str) -> str:
        return f"token-for-{tenant}"


class _Raw:
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.content = json.dumps(body).encode()
        self.headers = headers or {}


class Recording:
    """A transport that keeps the requests and answers from a script."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.sent: list[HttpRequest] = []
        self._answers = list(answers)

    def send(self, request: HttpRequest, **_: Any) -> _Raw:
        self.sent.append(request)
        return _Raw(*self._answers.pop(0))


def _directory(transport: Recording) -> GraphDirectory:
    return GraphDirectory(GraphClient("https://graph.example", Tokens(), transport))  # type: ignore[arg-type]


def test_assignments_go_as_documented_assign_license_bodies_inside_a_batch() -> None:
    documented_batch = fixture("batch.request.json")
    documented_body = fixture("assignLicense.request.json")
    transport = Recording(
        (200, {"responses": [{"id": "0", "status": 200, "headers": {}, "body": {"id": "u1"}}]})
    )
    _directory(transport).assign_licenses("contoso", [Assignment("u1", "sku-1", ("plan-1",))])
    [sent] = transport.sent
    assert sent.method == "POST" and sent.url == "https://graph.example/v1.0/$batch"
    assert sent.headers["Authorization"] == "Bearer token-for-contoso"
    body = json.loads(sent.content)
    [item] = body["requests"]
    documented_item = documented_batch["requests"][3]  # a POST with a JSON body
    assert set(item) == set(documented_item)
    assert item["method"] == "POST" and item["url"] == "/users/u1/assignLicense"
    assert item["headers"] == {"Content-Type": "application/json"}
    assert set(item["body"]) == set(documented_body)
    assert set(item["body"]["addLicenses"][0]) == set(documented_body["addLicenses"][0])
    assert item["body"] == {
        "addLicenses": [{"skuId": "sku-1", "disabledPlans": ["plan-1"]}],
        "removeLicenses": [],
    }


def test_documented_batch_answers_are_read_per_request() -> None:
    documented = fixture("batch.response.json")
    statuses = {str(r["id"]): int(r["status"]) for r in documented["responses"]}
    transport = Recording((200, documented))
    # Ask with the documented ids' count, so every documented answer has a request.
    requests = [Assignment(f"user-{i}", "sku") for i in range(max(map(int, statuses)) + 1)]
    results = _directory(transport).assign_licenses("contoso", requests)
    for number, result in enumerate(results):
        status = statuses.get(str(number), 500)  # no answer: Graph failed it
        if 200 <= status < 300:
            assert result.outcome == "assigned"
        elif status in (429, 500, 502, 503, 504):
            assert result.outcome == "retry"
        else:
            assert result.outcome == "failed" and result.failure


def test_documented_subscribed_skus_become_skus() -> None:
    documented = fixture("subscribedSkus.list.response.json")
    transport = Recording((200, documented))
    skus = _directory(transport).subscribed_skus("contoso")
    item = documented["value"][0]
    assert skus[0].sku_id == item["skuId"]
    assert skus[0].part_number == item["skuPartNumber"]
    assert skus[0].enabled == item["prepaidUnits"]["enabled"]
    assert skus[0].consumed == item["consumedUnits"]


def test_the_documented_error_body_keeps_graph_s_message() -> None:
    documented = fixture("error.response.json")
    failure = failure_of(GraphResponse(400, documented))
    assert failure.message == documented["error"]["message"]


def test_directory_names_with_control_characters_become_one_line() -> None:
    # Names from the directory go into email headers and the console: never refused, made
    # one line (a CR or LF there once made every email of a request undeliverable).
    skus = fixture("subscribedSkus.list.response.json")
    skus["value"][0]["skuPartNumber"] = "VISIO\r\nPLAN2"
    skus["value"][0]["servicePlans"][0].update(servicePlanName="VISIO\x00ONLINE", appliesTo="User")
    user = fixture("user.get.response.json")
    user["displayName"] = "Adele\r\nVance\x1b"
    transport = Recording((200, skus), (200, {"value": [user]}))
    directory = _directory(transport)
    sku = directory.subscribed_skus("contoso")[0]
    assert sku.part_number == "VISIO PLAN2"
    assert sku.service_plans[0][1] == "VISIO ONLINE"
    [found] = directory.search_users("contoso", "adele", 5)
    assert found.display_name == "Adele Vance"
