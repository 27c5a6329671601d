"""The CSV export (X14): RFC 4180 through Python's csv module, Korean names intact, formula
text neutralised, one row per request and user, admins only."""

from __future__ import annotations

import csv
import io

from tests.support.api import Tenant


def _rows(tenant: Tenant, query: str = "") -> list[dict[str, str]]:
    reply = tenant.admin.get(f"/api/requests/export{query}")
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))


def test_the_export_round_trips_with_korean_names_and_neutralised_formulas(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio", total=10)
    minji = tenant.person("minji@contoso.com", name="김민지")
    evil = tenant.person("eve@contoso.com", name='=HYPERLINK("http://x","y")')
    kept = tenant.submit("visio", ["alex@contoso.com"], who=minji)
    denied = tenant.submit("visio", who=evil)
    tenant.admin.post(
        f"/api/requests/{kept['id']}/approve",
        {"excludeUsers": ["alex@contoso.com"], "message": "+1, welcome"},
    )
    tenant.admin.post(f"/api/requests/{denied['id']}/deny", {"message": "@ops says no"})

    rows = _rows(tenant)
    assert [(r["request id"], r["user email"], r["user outcome"]) for r in rows] == [
        (denied["id"], "eve@contoso.com", "notAssigned"),
        (kept["id"], "minji@contoso.com", "assigned"),
        (kept["id"], "alex@contoso.com", "notAssigned"),
    ]
    first = rows[0]
    assert first["requester name"] == '\'=HYPERLINK("http://x","y")'
    assert first["admin message"] == "'@ops says no"
    assert first["status"] == "denied" and first["decided by"]
    assert rows[1]["requester name"] == "김민지"
    assert rows[1]["admin message"] == "'+1, welcome"
    assert rows[1]["fulfilling product"] == "Visio Plan 2"
    assert _rows(tenant, "?status=pending") == []
    assert len(_rows(tenant, "?status=completed&from=2000-01-01")) == 3
    assert _rows(tenant, "?to=2000-01-01") == []


def test_the_export_is_for_admins_and_checks_its_dates(tenant: Tenant) -> None:
    assert tenant.user.get("/api/requests/export").status_code == 403
    for query in ("?from=yesterday", "?to=2026-13-01", "?from=2026-11-02&to=2026-11-01"):
        reply = tenant.admin.get(f"/api/requests/export{query}")
        assert reply.status_code == 400, query
