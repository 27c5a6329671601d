"""The waitlist over HTTP (X14): seat who fits, queue the rest with their places, seat them
in order when seats free up, and let an admin take someone off."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.e2e.test_email_api import _emails_of, wait_for
from tests.support.api import Tenant


def _waiting(tenant: Tenant, request_id: str) -> list[tuple[str, str, int | None]]:
    request = tenant.admin.get(f"/api/requests/{request_id}").json()
    return [(u["email"], u["outcome"], u.get("position")) for u in request["users"]]


def test_five_seats_for_eight_users_then_two_more_seats(tenant: Tenant, outbox_dir: Path) -> None:
    tenant.add_product("visio", total=5)
    others = [f"user{i}@contoso.com" for i in range(1, 8)]  # with megan: 8 people
    made = tenant.submit("visio", others)
    reply = tenant.admin.post(f"/api/requests/{made['id']}/approve", {"whenShort": "wait"})
    assert reply.status_code == 200, reply.text
    users = reply.json()["users"]
    assert [u["outcome"] for u in users] == ["assigned"] * 5 + ["waiting"] * 3
    assert [u.get("position") for u in users[5:]] == [1, 2, 3]
    queue = tenant.admin.get("/api/products/visio/waitlist").json()["items"]
    assert [(e["email"], e["position"]) for e in queue] == [
        ("user5@contoso.com", 1),
        ("user6@contoso.com", 2),
        ("user7@contoso.com", 3),
    ]
    products = {p["id"]: p for p in tenant.admin.get("/api/products").json()["items"]}
    assert (products["visio"]["assignedLicenses"], products["visio"]["waiting"]) == (5, 3)
    # Their places show in My requests too (the one they are named in).
    [mine] = tenant.person("user6@contoso.com").get("/api/me/requests").json()["items"]
    assert (mine["myOutcome"], [u.get("position") for u in mine["users"]][5:]) == (
        "waiting",
        [1, 2, 3],
    )
    first = wait_for(lambda: (m := _emails_of(outbox_dir, made["id"])) and len(m) == 8 and m)
    [told] = [m for m in first if "user6@" in str(m["To"])]
    assert str(told["Subject"]) == "Approved: you are on the waitlist for Visio Plan 2"
    assert "number 2 on its waitlist" in " ".join(told.get_body(("plain",)).get_content().split())

    tenant.add_product("visio", total=7)  # two more seats
    assert _waiting(tenant, made["id"])[5:] == [
        ("user5@contoso.com", "assigned", None),
        ("user6@contoso.com", "assigned", None),
        ("user7@contoso.com", "waiting", 1),
    ]
    [mine] = tenant.person("user7@contoso.com").get("/api/me/requests").json()["items"]
    assert [u.get("position") for u in mine["users"]][5:] == [None, None, 1]  # as of now
    # The two seated get the usual approval email, after their waitlist email.
    mails = wait_for(lambda: (m := _emails_of(outbox_dir, made["id"])) and len(m) == 10 and m)
    received = Counter(str(m["To"].addresses[0].addr_spec) for m in mails)
    assert received["user5@contoso.com"] == received["user6@contoso.com"] == 2
    assert received["user7@contoso.com"] == 1
    subjects = {str(m["Subject"]) for m in mails if "user5" in str(m["To"])}
    assert any(s.startswith("Approved") for s in subjects), subjects


def test_an_admin_takes_someone_off_and_users_cannot(tenant: Tenant, outbox_dir: Path) -> None:
    tenant.add_product("visio", total=1)
    made = tenant.submit("visio", ["a@contoso.com", "b@contoso.com"])
    tenant.admin.post(f"/api/requests/{made['id']}/approve", {"whenShort": "wait"})
    assert tenant.user.get("/api/products/visio/waitlist").status_code == 403
    assert tenant.user.delete("/api/products/visio/waitlist/a@contoso.com").status_code == 403
    removed = tenant.admin.delete("/api/products/visio/waitlist/A@contoso.com")
    assert removed.status_code == 200, removed.text
    assert removed.json()["removed"]["email"] == "a@contoso.com"
    assert _waiting(tenant, made["id"])[1:] == [
        ("a@contoso.com", "notAssigned", None),
        ("b@contoso.com", "waiting", 1),
    ]
    told = wait_for(
        lambda: [
            m
            for m in _emails_of(outbox_dir, made["id"])
            if "a@contoso.com" in str(m["To"]) and "no longer" in str(m["Subject"])
        ]
    )
    assert str(told[0]["Subject"]) == "You are no longer on the waitlist for Visio Plan 2"
    again = tenant.admin.delete("/api/products/visio/waitlist/a@contoso.com")
    assert again.status_code == 404
    assert tenant.admin.get("/api/products/nope/waitlist").status_code == 404
