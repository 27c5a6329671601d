"""JSON batching: sub-requests go through the same handlers, fail and are throttled alone."""

from __future__ import annotations

from typing import Any

from tools.graph_emulator.server import GraphEmulator

from .conftest import POWER_BI, VISIO, Graph, graph_error

JSON = {"Content-Type": "application/json"}


def _assign(item_id: str, user: str, sku: str) -> dict[str, Any]:
    body = {"addLicenses": [{"skuId": sku, "disabledPlans": []}], "removeLicenses": []}
    return {
        "id": item_id,
        "method": "POST",
        "url": f"/users/{user}/assignLicense",
        "headers": JSON,
        "body": body,
    }


def _responses(graph: Graph, requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    response = graph.post("/$batch", {"requests": requests})
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["responses"]}


def test_partial_failure(graph: Graph) -> None:
    got = _responses(
        graph,
        [
            _assign("1", "alex@contoso.com", POWER_BI),
            _assign("2", "nestor@contoso.com", POWER_BI),  # no usage location
            _assign("3", "ghost@contoso.com", POWER_BI),
            {"id": "4", "method": "GET", "url": "/users/megan@contoso.com?$select=displayName"},
            {
                "id": "5",
                "method": "GET",
                "url": 'users?$search="displayName:lee"',
                "headers": {"ConsistencyLevel": "eventual"},
            },
        ],
    )
    assert got["1"]["status"] == 200 and got["1"]["body"]["userPrincipalName"] == "alex@contoso.com"
    assert got["2"]["status"] == 400
    assert (
        got["2"]["body"]["error"]["message"]
        == "License assignment cannot be done for user with invalid usage location."
    )
    assert (
        got["3"]["status"] == 404
        and got["3"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    )
    assert got["4"]["body"]["displayName"] == "Megan Bowen"
    assert got["4"]["headers"]["Content-Type"].startswith("application/json")
    assert [u["displayName"] for u in got["5"]["body"]["value"]] == ["Lee Gu"]
    assert graph.consumed(POWER_BI) == 2


def test_one_sub_request_throttled(graph: Graph, emulator: GraphEmulator) -> None:
    emulator.add_fault("throttle", count=1, retry_after=7)
    got = _responses(
        graph,
        [_assign("a", "alex@contoso.com", POWER_BI), _assign("b", "lee@contoso.com", POWER_BI)],
    )
    assert got["a"]["status"] == 429 and got["a"]["headers"]["Retry-After"] == "7"
    assert got["a"]["body"]["error"]["code"] == "TooManyRequests"
    assert got["b"]["status"] == 200
    stats = emulator.stats()["tenants"]["contoso"]
    assert stats["byKind"]["batch"] == 1 and stats["byKind"]["users.assignLicense"] == 2
    assert stats["throttled"] == 1 and stats["calls"] >= 2


def test_more_than_twenty_is_refused(graph: Graph, emulator: GraphEmulator) -> None:
    requests = [
        {"id": str(i), "method": "GET", "url": "/users/megan@contoso.com"} for i in range(21)
    ]
    status, code, _ = graph_error(graph.post("/$batch", {"requests": requests}))
    assert (status, code) == (400, "BadRequest")
    assert "users.get" not in emulator.stats()["tenants"]["contoso"]["byKind"]
    assert len(_responses(graph, requests[:20])) == 20


def test_malformed_batches(graph: Graph) -> None:
    twice = [
        {"id": "1", "method": "GET", "url": "/users"},
        {"id": "1", "method": "GET", "url": "/users"},
    ]
    assert graph.post("/$batch", {"requests": twice}).status_code == 400
    no_type = [{"id": "1", "method": "POST", "url": "/users/x/assignLicense", "body": {}}]
    assert graph_error(graph.post("/$batch", {"requests": no_type}))[2] == (
        "Write request id : 1 does not contain Content-Type header or body."
    )
    assert graph.post("/$batch", {"nope": []}).status_code == 400
    assert graph.get("/$batch").status_code == 405


def test_depends_on(graph: Graph) -> None:
    got = _responses(
        graph,
        [
            _assign("1", "ghost@contoso.com", VISIO),
            {**_assign("2", "alex@contoso.com", VISIO), "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": "/users/alex@contoso.com", "dependsOn": []},
        ],
    )
    assert (got["1"]["status"], got["2"]["status"], got["3"]["status"]) == (404, 424, 200)
