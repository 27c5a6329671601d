"""X1 and X5 under real concurrency: many HTTP calls at once through the dev host."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.api import Tenant


def test_twelve_concurrent_approvals_for_five_licences_assign_exactly_five(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = [
        tenant.submit("visio", who=tenant.person(f"user{i}@contoso.com"))["id"] for i in range(12)
    ]

    def approve(request_id: str) -> Any:
        return tenant.admin.post(f"/api/requests/{request_id}/approve", {})

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(approve, made))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [409] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "insufficient_licenses"
    }
    [product] = tenant.admin.get("/api/products").json()["items"]
    assert product["assignedLicenses"] == 5
    approved = tenant.admin.get("/api/requests?status=completed").json()["items"]
    assert len(approved) == 5


def test_ten_concurrent_decisions_on_one_request_yield_exactly_one_outcome(tenant: Tenant) -> None:
    tenant.add_product("visio", total=50)
    made = tenant.submit("visio", ["alex@contoso.com"])

    def decide(i: int) -> Any:
        action = "approve" if i % 2 == 0 else "deny"
        return tenant.admin.post(f"/api/requests/{made['id']}/{action}", {})

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(decide, range(10)))

    ok = [r for r in responses if r.status_code == 200]
    assert len(ok) == 1
    assert all(r.status_code == 409 for r in responses if r.status_code != 200)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_decided"}
    final = tenant.admin.get(f"/api/requests/{made['id']}").json()
    assert final == ok[0].json()
    [product] = tenant.admin.get("/api/products").json()["items"]
    assert product["assignedLicenses"] == (2 if final["status"] == "approved" else 0)
