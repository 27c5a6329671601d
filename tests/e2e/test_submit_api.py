"""POST /api/requests and GET /api/me/requests (R1, R2, R6, X3, X4)."""

from __future__ import annotations

import json

from tests.support.api import Tenant

SETTINGS = "/api/settings/request-process"


def _stored(tenant: Tenant) -> list[dict[str, object]]:
    return list(tenant.admin.get("/api/requests?status=all").json()["items"])


def test_a_user_requests_a_blocked_product_for_themselves_and_others(tenant: Tenant) -> None:
    tenant.add_product("visio")
    response = tenant.user.post(
        "/api/requests",
        {
            "productId": "visio",
            "users": [
                {"email": "alex@contoso.com", "name": "Alex W"},
                {"email": "lee@contoso.com"},
            ],
            "justification": "Diagrams for the Q3 plan",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["productName"] == "Visio Plan 2"
    assert body["requester"]["email"] == "megan@contoso.com"
    assert body["requester"]["name"] == "Megan Bowen"
    assert [(u["email"], u["outcome"]) for u in body["users"]] == [
        ("megan@contoso.com", "pending"),
        ("alex@contoso.com", "pending"),
        ("lee@contoso.com", "pending"),
    ]
    assert body["justification"] == "Diagrams for the Q3 plan"
    assert body["decision"] is None
    assert body["expiresAt"] > body["createdAt"]


def test_the_requester_and_repeated_users_are_listed_once(tenant: Tenant) -> None:
    tenant.add_product("visio")
    body = tenant.submit("visio", ["Alex@contoso.com", "alex@contoso.com", "megan@contoso.com"])
    assert [u["email"] for u in body["users"]] == ["megan@contoso.com", "Alex@contoso.com"]


def test_submitting_again_with_nothing_new_returns_the_pending_request_unchanged(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio")
    first = tenant.submit("visio", ["alex@contoso.com"])
    again = tenant.user.post(
        "/api/requests", {"productId": "visio", "users": [{"email": "ALEX@contoso.com"}]}
    )
    assert again.status_code == 200
    assert again.json() == first
    assert len(_stored(tenant)) == 1


def test_after_a_decision_a_new_request_can_be_made(tenant: Tenant) -> None:
    tenant.add_product("visio")
    first = tenant.submit("visio")
    tenant.admin.post(f"/api/requests/{first['id']}/deny", {})
    second = tenant.user.post("/api/requests", {"productId": "visio"})
    assert second.status_code == 201
    assert second.json()["id"] != first["id"]


def test_unknown_products_cannot_be_requested(tenant: Tenant) -> None:
    response = tenant.user.post("/api/requests", {"productId": "nope"})
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_product"


def test_products_with_self_service_allowed_need_no_request(tenant: Tenant) -> None:
    tenant.add_product("flow", self_service="allowed")
    response = tenant.user.post("/api/requests", {"productId": "flow"})
    assert response.status_code == 409
    assert response.json()["code"] == "self_service_allowed"
    assert _stored(tenant) == []


def test_while_the_own_process_is_on_users_get_its_message_and_no_request(tenant: Tenant) -> None:
    tenant.add_product("visio")
    tenant.admin.put(
        SETTINGS,
        {
            "useOwnProcess": True,
            "message": "Use the IT portal.",
            "documentationUrl": "https://it.contoso.com/buy",
        },
    )
    response = tenant.user.post("/api/requests", {"productId": "visio"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "own_request_process"
    assert problem["message"] == "Use the IT portal."
    assert problem["documentationUrl"] == "https://it.contoso.com/buy"
    assert _stored(tenant) == []


def test_switching_the_own_process_off_accepts_requests_again(tenant: Tenant) -> None:
    tenant.add_product("visio")
    tenant.admin.put(SETTINGS, {"useOwnProcess": True, "message": "Use the IT portal."})
    tenant.admin.put(SETTINGS, {"useOwnProcess": False})
    assert tenant.user.post("/api/requests", {"productId": "visio"}).status_code == 201


def test_bad_bodies_are_refused_and_nothing_is_stored(tenant: Tenant) -> None:
    tenant.add_product("visio")
    bodies: list[object] = [
        [],
        "visio",
        42,
        None,
        {"productId": "visio", "colour": "blue"},
        {"productId": "visio", "users": [{"email": "not-an-email"}]},
        {"productId": "visio", "users": [{"email": "a@contoso.com", "role": "x"}]},
        {"productId": "visio", "users": [{"email": f"u{i}@contoso.com"} for i in range(51)]},
        {"productId": "visio", "justification": "x" * 1001},
        {"productId": "../etc"},
        {},
    ]
    for body in bodies:
        response = tenant.user.post("/api/requests", body)
        assert response.status_code == 400, body
        assert response.headers["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "invalid_request"
        assert problem["status"] == 400 and problem["title"] and problem["detail"]
    raw = tenant.user.call("POST", "/api/requests", data=b"{not json")
    assert raw.status_code == 400
    # Nesting deep enough to exhaust a recursive parser is refused before parsing.
    for deep in (b"[" * 5000, b'{"productId":"visio","users":' + b"[" * 100 + b"]" * 100 + b"}"):
        response = tenant.user.call("POST", "/api/requests", data=deep)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_request"
    assert _stored(tenant) == []


def test_bodies_over_64_kib_answer_413_and_nothing_is_stored(tenant: Tenant) -> None:
    tenant.add_product("visio")
    body = json.dumps({"productId": "visio", "justification": "x" * (65 * 1024)}).encode()
    response = tenant.user.call(
        "POST", "/api/requests", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert _stored(tenant) == []


def test_fifty_other_users_are_accepted(tenant: Tenant) -> None:
    tenant.add_product("visio", total=100)
    body = tenant.submit("visio", [f"user{i}@contoso.com" for i in range(50)])
    assert len(body["users"]) == 51


def test_users_list_their_own_requests_with_outcomes(tenant: Tenant) -> None:
    tenant.add_product("visio")
    tenant.add_product("bi", name="Power BI Pro", plans=["bi"])
    visio = tenant.submit("visio", ["alex@contoso.com"])
    bi = tenant.submit("bi")
    tenant.admin.post(
        f"/api/requests/{visio['id']}/approve", {"excludeUsers": ["alex@contoso.com"]}
    )
    other = tenant.person("lee@contoso.com")
    tenant.submit("visio", who=other)

    mine = tenant.user.get("/api/me/requests").json()
    assert [r["id"] for r in mine["items"]] == [bi["id"], visio["id"]]
    assert mine["nextCursor"] is None
    decided = mine["items"][1]
    assert decided["status"] == "approved"
    assert [u["outcome"] for u in decided["users"]] == ["assigned", "notAssigned"]
    assert [r["requester"]["email"] for r in other.get("/api/me/requests").json()["items"]] == [
        "lee@contoso.com"
    ]


def test_my_requests_page_with_a_cursor(tenant: Tenant) -> None:
    for i in range(3):
        tenant.add_product(f"p{i}", name=f"Product {i}", plans=[f"plan{i}"])
        tenant.submit(f"p{i}")
    first = tenant.user.get("/api/me/requests?limit=2").json()
    assert len(first["items"]) == 2 and first["nextCursor"]
    second = tenant.user.get(f"/api/me/requests?limit=2&cursor={first['nextCursor']}").json()
    assert [r["productId"] for r in first["items"] + second["items"]] == ["p2", "p1", "p0"]
    assert second["nextCursor"] is None
