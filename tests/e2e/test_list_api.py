"""GET /api/requests and GET /api/requests/{id} (R3, R5, R6, X7)."""

from __future__ import annotations

import base64

from tests.support.api import Api, Tenant, token

SETTINGS = "/api/settings/request-process"


def _ids(response_json: dict[str, object]) -> list[str]:
    return [str(item["id"]) for item in response_json["items"]]  # type: ignore[attr-defined]


def _three_requests(tenant: Tenant) -> tuple[dict[str, object], ...]:
    tenant.add_product("visio", total=10)
    first = tenant.submit("visio", who=tenant.person("a@contoso.com", name="A"))
    second = tenant.submit("visio", who=tenant.person("b@contoso.com", name="B"))
    third = tenant.submit("visio", who=tenant.person("c@contoso.com", name="C"))
    tenant.admin.post(f"/api/requests/{second['id']}/deny", {})
    return first, second, third


def test_admins_list_requests_newest_first_with_the_columns_of_r3(tenant: Tenant) -> None:
    first, second, third = _three_requests(tenant)
    listed = tenant.admin.get("/api/requests").json()
    assert _ids(listed) == [third["id"], second["id"], first["id"]]
    row = listed["items"][0]
    assert row == {
        "id": third["id"],
        "productId": "visio",
        "productName": "Visio Plan 2",
        "requester": third["requester"],
        "userCount": 1,
        "createdAt": third["createdAt"],
        "status": "pending",
    }
    assert listed["nextCursor"] is None
    assert listed["requestProcess"]["useOwnProcess"] is False


def test_the_list_filters_pending_and_completed(tenant: Tenant) -> None:
    first, second, third = _three_requests(tenant)
    pending = tenant.admin.get("/api/requests?status=pending").json()
    completed = tenant.admin.get("/api/requests?status=completed").json()
    everything = tenant.admin.get("/api/requests?status=all").json()
    assert _ids(pending) == [third["id"], first["id"]]
    assert _ids(completed) == [second["id"]]
    assert completed["items"][0]["status"] == "denied"
    assert len(_ids(everything)) == 3


def test_with_the_own_process_on_the_default_view_lists_only_pending(tenant: Tenant) -> None:
    first, second, third = _three_requests(tenant)
    tenant.admin.put(SETTINGS, {"useOwnProcess": True, "message": "Use the IT portal."})
    listed = tenant.admin.get("/api/requests").json()
    assert _ids(listed) == [third["id"], first["id"]]
    assert listed["requestProcess"]["useOwnProcess"] is True
    assert listed["requestProcess"]["message"] == "Use the IT portal."
    completed = tenant.admin.get("/api/requests?status=completed").json()
    assert _ids(completed) == [second["id"]]


def test_pages_follow_the_cursor_to_the_end(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    made = [tenant.submit("visio", who=tenant.person(f"u{i}@contoso.com"))["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = tenant.admin.get("/api/requests" + query).json()
        seen += _ids(page)
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert pages == 3


def test_tampered_or_foreign_cursors_are_refused(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    for i in range(3):
        tenant.submit("visio", who=tenant.person(f"u{i}@contoso.com"))
    cursor = tenant.admin.get("/api/requests?limit=1").json()["nextCursor"]
    body, signature = cursor.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    deep = base64.urlsafe_b64encode(b"[" * 5000).decode()
    for bad in (forged, "garbage", cursor + "x", body + ".\u00e9", f"{deep}.x", "a" * 5000):
        response = tenant.admin.get("/api/requests", params={"limit": "1", "cursor": bad})
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid_request"
    other_view = tenant.admin.get("/api/requests", params={"status": "pending", "cursor": cursor})
    assert other_view.status_code == 400


def test_bad_filters_and_limits_are_refused(tenant: Tenant) -> None:
    for query in (
        "status=done",
        "status=PENDING",
        "limit=0",
        "limit=101",
        "limit=ten",
        "limit=%C2%B2",  # "²": str.isdigit says yes, int() says no
        "limit=%D9%A3",  # an Arabic-Indic three
        "limit=+5",
        "limit=99999999999999999999",
    ):
        response = tenant.admin.get("/api/requests?" + query)
        assert response.status_code == 400, query
        assert response.json()["code"] == "invalid_request"


def test_only_admins_list_requests(tenant: Tenant) -> None:
    response = tenant.user.get("/api/requests")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_request_is_read_by_an_admin_or_the_people_it_names_only(tenant: Tenant) -> None:
    tenant.add_product("visio")
    made = tenant.submit("visio", ["alex@contoso.com"])
    path = f"/api/requests/{made['id']}"
    assert tenant.admin.get(path).json() == made
    assert tenant.user.get(path).json() == made
    assert tenant.person("alex@contoso.com").get(path).json() == made  # X12
    stranger = tenant.person("lee@contoso.com").get(path)
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "not_found"


def test_unknown_and_malformed_ids_are_not_found(tenant: Tenant) -> None:
    for bad in ("8204485029407000000", "nope", "R%7C1", "a" * 300):
        response = tenant.admin.get(f"/api/requests/{bad}")
        assert response.status_code == 404, bad
        assert response.json()["code"] == "not_found"


def test_another_tenant_never_sees_counts_or_changes_a_request(tenant: Tenant) -> None:
    tenant.add_product("visio", total=3)
    made = tenant.submit("visio")
    other = Api(
        tenant.base, token("other-tenant-x", "admin@fabrikam.com", admin=True), tenant.session
    )
    for method, path in (
        ("GET", f"/api/requests/{made['id']}"),
        ("POST", f"/api/requests/{made['id']}/approve"),
        ("POST", f"/api/requests/{made['id']}/deny"),
    ):
        response = other.call(method, path, {} if method == "POST" else None)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert made["id"] not in _ids(other.get("/api/requests?status=all").json())
    assert "visio" not in [p["id"] for p in other.get("/api/products").json()["items"]]
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"
