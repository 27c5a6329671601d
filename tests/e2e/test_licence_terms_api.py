"""Time-limited licences over HTTP (X14): a term on the approval, its holder warned and the
licence reclaimed on time by the reclaim timer (every 2 s in the test session), the seat
handed to the next waiting user, an extension that moves the reclaim; the same against
the Graph emulator for a Microsoft 365 product."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.test_email_api import wait_for
from tests.support.api import Tenant
from tests.support.graph import Graph

E3 = "m365-enterprisepack"
E3_SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"


def _mail(outbox: Path, tenant: str, to: str) -> list[tuple[str, str]]:
    """(subject, plain text) of the emails of `tenant` to `to`."""
    found = []
    for path in outbox.glob("*.eml"):
        raw = path.read_bytes()
        if tenant.encode() not in raw:
            continue
        message = email.message_from_bytes(raw, policy=email.policy.default)
        key = str(message["X-License-Requests-Key"])
        if key.startswith(f"{tenant}/") and key.endswith(f"/{to}"):
            body = message.get_body(("plain",))
            text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
            found.append((str(message["Subject"]), " ".join(str(text).split())))
    return found


def _holders(tenant: Tenant, product: str) -> dict[str, Any]:
    reply = tenant.admin.get(f"/api/products/{product}/assignments")
    assert reply.status_code == 200, reply.text
    return {h["email"]: h for h in reply.json()["assignments"]}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_short_licence_is_reclaimed_on_time_and_the_seat_goes_to_the_next_in_line(
    tenant: Tenant, outbox_dir: Path
) -> None:
    tenant.add_product("visio", total=1)
    made = tenant.submit("visio", ["lee@contoso.com"])
    approved = tenant.admin.post(
        f"/api/requests/{made['id']}/approve", {"whenShort": "wait", "licenseDuration": "PT20S"}
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    ends = _instant(body["decision"]["licenseExpiresAt"])
    assert timedelta(seconds=18) < ends - datetime.now(UTC) <= timedelta(seconds=21)
    assert [(u["email"], u["outcome"]) for u in body["users"]] == [
        ("megan@contoso.com", "assigned"),
        ("lee@contoso.com", "waiting"),
    ]
    holders = _holders(tenant, "visio")
    assert list(holders) == ["megan@contoso.com"]
    assert _instant(holders["megan@contoso.com"]["expiresAt"]) == ends

    # Shorter than the seven days' notice: the warning goes out at once.
    warned = wait_for(lambda: _mail(outbox_dir, tenant.id, "megan@contoso.com"), timeout=10)
    assert any(s.startswith("Your Visio Plan 2 license ends on") for s, _ in warned), warned
    assert "megan@contoso.com" in _holders(tenant, "visio")  # not before its time

    # On time (the timer runs every 2 s): taken back, told, and Lee gets the seat.
    def reclaimed() -> bool:
        return list(_holders(tenant, "visio")) == ["lee@contoso.com"]

    wait_for(reclaimed, timeout=35)
    assert datetime.now(UTC) >= ends
    wait_for(
        lambda: any(
            s == "Your Visio Plan 2 license has ended"
            for s, _ in _mail(outbox_dir, tenant.id, "megan@contoso.com")
        )
    )
    request = tenant.admin.get(f"/api/requests/{made['id']}").json()
    assert {u["email"]: u["outcome"] for u in request["users"]}["lee@contoso.com"] == "assigned"
    [visio] = [p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio"]
    assert (visio["assignedLicenses"], visio["waiting"]) == (1, 0)
    # Lee's seat has the approval's term from when he got it.
    lee_ends = _instant(_holders(tenant, "visio")["lee@contoso.com"]["expiresAt"])
    assert lee_ends > ends + timedelta(seconds=1)

    # An extension moves the reclaim: past the old end, Lee keeps the licence.
    extended = tenant.admin.post(
        "/api/products/visio/assignments/LEE@contoso.com/extend", {"duration": "PT1H"}
    )
    assert extended.status_code == 200, extended.text
    assert _instant(extended.json()["expiresAt"]) == lee_ends + timedelta(hours=1)
    time.sleep(max((lee_ends - datetime.now(UTC)).total_seconds(), 0) + 5)
    assert list(_holders(tenant, "visio")) == ["lee@contoso.com"]
    assert not any("has ended" in s for s, _ in _mail(outbox_dir, tenant.id, "lee@contoso.com"))


def test_terms_are_checked_and_only_admins_see_or_extend_them(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    path = f"/api/requests/{made['id']}/approve"
    for bad in (
        {"licenseDuration": "P"},
        {"licenseDuration": "90 days"},
        {"licenseDuration": "PT1S"},
        {"licenseDuration": "P30D", "licenseUntil": "2099-01-01"},
        {"licenseUntil": "2001-01-01"},
        {"licenseUntil": "not a date"},
    ):
        reply = tenant.admin.post(path, bad)
        assert reply.status_code in (400, 422), (bad, reply.text)
        assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"
    until = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    approved = tenant.admin.post(path, {"licenseUntil": until})
    assert approved.status_code == 200, approved.text
    # Through that day (UTC).
    assert approved.json()["decision"]["licenseExpiresAt"].startswith(
        (datetime.fromisoformat(until) + timedelta(days=1)).date().isoformat()
    )
    assert tenant.user.get("/api/products/visio/assignments").status_code == 403
    extend = "/api/products/visio/assignments/megan@contoso.com/extend"
    assert tenant.user.post(extend, {"duration": "P1D"}).status_code == 403
    for bad in ({}, {"duration": "P1D", "until": until}, {"until": "2001-01-01"}):
        reply = tenant.admin.post(extend, bad)
        assert reply.status_code in (400, 422), (bad, reply.text)
    nobody = tenant.admin.post(
        "/api/products/visio/assignments/nobody@contoso.com/extend", {"duration": "P1D"}
    )
    assert nobody.status_code == 404
    assert tenant.admin.get("/api/products/nope/assignments").status_code == 404


def test_microsoft365_licence_is_removed_at_expiry_and_given_to_the_next_waiting_user(
    m365: Tenant, graph: Graph
) -> None:
    # Megan and Diego hold E3: three seats leave one free.
    patched = graph.call(
        "PATCH",
        f"/_emulator/tenants/{m365.id}/skus/{E3_SKU}",
        {"prepaidUnits": {"enabled": 3, "suspended": 0, "warning": 0, "lockedOut": 0}},
    )
    assert patched.status_code in (200, 204), patched.text
    # Nestor (no other licence to conflict with E3's apps) can hold one once located.
    located = graph.graph(m365.id, "PATCH", "/users/nestor@contoso.com", {"usageLocation": "US"})
    assert located.status_code == 204, located.text
    assert m365.admin.post("/api/products/sync", {}).status_code == 200
    blocked = m365.admin.put(f"/api/products/{E3}", {"selfServicePurchase": "blocked"})
    assert blocked.status_code == 200, blocked.text
    made = m365.user.post(
        "/api/requests",
        {"productId": E3, "users": [{"email": "lee@contoso.com"}, {"email": "nestor@contoso.com"}]},
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    approved = m365.admin.post(
        f"/api/requests/{request_id}/approve",
        {"excludeUsers": ["megan@contoso.com"], "whenShort": "wait", "licenseDuration": "PT20S"},
    )
    assert approved.status_code == 200, approved.text
    outcomes = {u["email"]: u["outcome"] for u in approved.json()["users"]}
    assert (outcomes["lee@contoso.com"], outcomes["nestor@contoso.com"]) == ("pending", "waiting")
    assert approved.json()["decision"]["licenseExpiresAt"]

    def skus(upn: str) -> set[str]:
        user = graph.graph(m365.id, "GET", f"/users/{upn}?$select=assignedLicenses").json()
        return {a["skuId"] for a in user["assignedLicenses"]}

    wait_for(lambda: E3_SKU in skus("lee@contoso.com"), timeout=20)
    assert E3_SKU not in skus("nestor@contoso.com")
    # At the end of Lee's term: removed from Lee in Microsoft 365, assigned to Nestor.
    wait_for(lambda: E3_SKU not in skus("lee@contoso.com"), timeout=40)
    wait_for(lambda: E3_SKU in skus("nestor@contoso.com"), timeout=20)

    def nestor() -> str:
        request = m365.admin.get(f"/api/requests/{request_id}").json()
        return str({u["email"]: u["outcome"] for u in request["users"]}["nestor@contoso.com"])

    # The fulfilment round records the outcome just after Graph answers.
    wait_for(lambda: nestor() == "assigned", timeout=10)
    request = m365.admin.get(f"/api/requests/{request_id}").json()
    assert (
        request["decision"]["licenseExpiresAt"] == approved.json()["decision"]["licenseExpiresAt"]
    )
    holders = m365.admin.get(f"/api/products/{E3}/assignments").json()["assignments"]
    assert [h["email"] for h in holders] == ["nestor@contoso.com"]


def test_a_licence_removed_in_microsoft365_meanwhile_is_forgotten_not_re_added(
    m365: Tenant, graph: Graph
) -> None:
    assert m365.admin.post("/api/products/sync", {}).status_code == 200
    blocked = m365.admin.put(f"/api/products/{E3}", {"selfServicePurchase": "blocked"})
    assert blocked.status_code == 200, blocked.text
    made = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "lee@contoso.com"}]}
    ).json()
    approved = m365.admin.post(
        f"/api/requests/{made['id']}/approve",
        {"excludeUsers": ["megan@contoso.com"], "licenseDuration": "PT15S"},
    )
    assert approved.status_code == 200, approved.text

    def skus() -> set[str]:
        user = graph.graph(m365.id, "GET", "/users/lee@contoso.com?$select=assignedLicenses")
        return {a["skuId"] for a in user.json()["assignedLicenses"]}

    wait_for(lambda: E3_SKU in skus(), timeout=20)
    # An admin takes it away in the Microsoft 365 admin center before the term ends.
    removed = graph.graph(
        m365.id,
        "POST",
        "/users/lee@contoso.com/assignLicense",
        {"addLicenses": [], "removeLicenses": [E3_SKU]},
    )
    assert removed.status_code == 200, removed.text
    wait_for(lambda: _holders(m365, E3) == {}, timeout=40)
    time.sleep(3)  # a few more timer runs
    assert E3_SKU not in skus()  # never added back
