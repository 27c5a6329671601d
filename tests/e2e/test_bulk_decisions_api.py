"""Bulk decisions (X14): each request decided on its own, oldest first, once."""

from __future__ import annotations

from tests.support.api import Tenant

BULK = "/api/requests/decisions"


def _people(tenant: Tenant, n: int) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(tenant.submit("visio", who=tenant.person(f"hire{i}@contoso.com"))["id"])
    return ids


def test_bulk_approval_gives_the_seats_to_the_oldest_requests(tenant: Tenant) -> None:
    tenant.add_product("visio", total=6)
    ids = _people(tenant, 10)  # oldest first
    shuffled = ids[5:] + ids[:5]
    reply = tenant.admin.post(BULK, {"ids": shuffled, "action": "approve", "message": "Welcome"})
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["id"] for r in results] == shuffled  # in the order asked
    by_id = {r["id"]: r for r in results}
    for request_id in ids[:6]:
        assert by_id[request_id]["status"] == 200
        assert by_id[request_id]["request"]["status"] == "approved"
        assert by_id[request_id]["request"]["decision"]["message"] == "Welcome"
    for request_id in ids[6:]:
        assert by_id[request_id]["status"] == 409
        assert by_id[request_id]["code"] == "insufficient_licenses"
    products = {p["id"]: p for p in tenant.admin.get("/api/products").json()["items"]}
    assert products["visio"]["assignedLicenses"] == 6
    # Again: nothing changes; decided ones say so, the others are still short of seats.
    again = {
        r["id"]: r
        for r in tenant.admin.post(BULK, {"ids": ids, "action": "approve"}).json()["results"]
    }
    assert {again[i]["code"] for i in ids[:6]} == {"already_decided"}
    assert {again[i]["code"] for i in ids[6:]} == {"insufficient_licenses"}


def test_bulk_deny_and_unknown_ids(tenant: Tenant) -> None:
    tenant.add_product("visio", total=6)
    ids = _people(tenant, 3)
    reply = tenant.admin.post(
        BULK, {"ids": [*ids, "8204485029407000000", "nope"], "action": "deny", "message": "No"}
    )
    results = {r["id"]: r for r in reply.json()["results"]}
    assert all(results[i]["request"]["status"] == "denied" for i in ids)
    assert results["8204485029407000000"]["status"] == 404
    assert results["nope"]["code"] == "not_found"


def test_bad_bulk_bodies_and_callers_are_refused(tenant: Tenant) -> None:
    tenant.add_product("visio", total=6)
    [made] = _people(tenant, 1)
    for body in (
        {"ids": [], "action": "approve"},
        {"ids": [made] * 2, "action": "approve"},
        {"ids": [f"id{i}" for i in range(101)], "action": "approve"},
        {"ids": [made], "action": "maybe"},
        {"ids": [made], "action": "deny", "productId": "visio"},
    ):
        refused = tenant.admin.post(BULK, body)
        assert refused.status_code == 400, body
    assert tenant.user.post(BULK, {"ids": [made], "action": "approve"}).status_code == 403
    assert tenant.admin.get(f"/api/requests/{made}").json()["status"] == "pending"
