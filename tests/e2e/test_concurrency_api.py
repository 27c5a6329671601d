"""X1 and X5 under real concurrency: many HTTP calls at once through the dev host."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from tests.e2e.test_email_api import wait_for
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


def test_concurrent_waiting_approvals_and_seat_releases_never_oversubscribe_or_skip(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio", total=3)
    made = [
        tenant.submit("visio", who=tenant.person(f"user{i}@contoso.com"))["id"] for i in range(10)
    ]

    def act(i: int) -> Any:
        if i < 10:
            return tenant.admin.post(f"/api/requests/{made[i]}/approve", {"whenShort": "wait"})
        return tenant.admin.put(  # seats freed meanwhile, twice
            "/api/products/visio",
            {"name": "Visio Plan 2", "selfServicePurchase": "blocked", "totalLicenses": i - 4},
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        # Five approvals race for three seats (two wait), then five more race the freeing.
        responses = list(pool.map(act, range(5)))
        responses += list(pool.map(act, range(5, 12)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    final = tenant.admin.put(
        "/api/products/visio",
        {"name": "Visio Plan 2", "selfServicePurchase": "blocked", "totalLicenses": 7},
    ).json()
    outcomes = {
        i: tenant.admin.get(f"/api/requests/{i}").json()["users"][0]["outcome"] for i in made
    }
    assigned = [i for i in made if outcomes[i] == "assigned"]
    waiting = [i for i in made if outcomes[i] == "waiting"]
    assert len(assigned) == final["assignedLicenses"] == 7  # every seat taken, none twice
    assert len(waiting) == final["waiting"] == 3
    queue = tenant.admin.get("/api/products/visio/waitlist").json()["items"]
    assert sorted(e["requestId"] for e in queue) == sorted(waiting)
    assert [e["position"] for e in queue] == [1, 2, 3]
    # Nobody skipped: the first five were all decided before the next five started, so
    # those of them who waited stood ahead in line, and the four freed seats reached them.
    first_waiters = [
        made[i] for i in range(5) if responses[i].json()["users"][0]["outcome"] == "waiting"
    ]
    assert len(first_waiters) == 2
    assert all(outcomes[i] == "assigned" for i in first_waiters), outcomes


def test_reclaims_racing_approvals_never_oversubscribe_or_skip(tenant: Tenant) -> None:
    """Three 10-second licences end while six approvals that wait for a seat race the
    reclaim timer (every 2 s): the seats go to the first three in line, once each."""
    tenant.add_product("visio", total=3)
    timed = [
        tenant.submit("visio", who=tenant.person(f"temp{i}@contoso.com"))["id"] for i in range(3)
    ]
    for request_id in timed:
        reply = tenant.admin.post(
            f"/api/requests/{request_id}/approve", {"licenseDuration": "PT10S"}
        )
        assert reply.status_code == 200, reply.text
    made = [
        tenant.submit("visio", who=tenant.person(f"user{i}@contoso.com"))["id"] for i in range(6)
    ]
    started = time.monotonic()

    def approve(i: int) -> Any:
        # Spread over the seconds around the end of the three terms.
        time.sleep(max(0.0, 7 + i * 0.8 - (time.monotonic() - started)))
        return tenant.admin.post(f"/api/requests/{made[i]}/approve", {"whenShort": "wait"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(approve, range(6)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]

    def holders() -> list[str]:
        reply = tenant.admin.get("/api/products/visio/assignments").json()
        return sorted(h["email"] for h in reply["assignments"])

    wait_for(lambda: not any(e.startswith("temp") for e in holders()), timeout=30)
    wait_for(lambda: len(holders()) == 3, timeout=10)
    [visio] = [p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio"]
    outcomes = {
        i: tenant.admin.get(f"/api/requests/{i}").json()["users"][0]["outcome"] for i in made
    }
    assigned = [i for i in made if outcomes[i] == "assigned"]
    assert len(assigned) == visio["assignedLicenses"] == 3  # every freed seat taken, once
    assert len(holders()) == 3
    waiting = [i for i in made if outcomes[i] == "waiting"]
    assert len(waiting) == visio["waiting"] == 3
    queue = tenant.admin.get("/api/products/visio/waitlist").json()["items"]
    assert [e["position"] for e in queue] == [1, 2, 3]
    assert sorted(e["requestId"] for e in queue) == sorted(waiting)
    # Nobody skipped: everyone seated was decided no later than anyone still waiting.
    # Nobody skipped: the approvals came 0.8 s apart, so whoever was seated was approved
    # before anyone still waiting.
    decided = {
        i: datetime.fromisoformat(
            tenant.admin.get(f"/api/requests/{i}").json()["decision"]["decidedAt"]
        )
        for i in made
    }
    assert max(decided[i] for i in assigned) < min(decided[i] for i in waiting)
