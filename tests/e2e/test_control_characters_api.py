"""Control characters never reach an email header: refused in what people type (400, nothing
stored), made one line in what a token brings, and every email of the request is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_email_api import _emails_of, wait_for
from tests.support.api import Tenant

BAD_NAMES = ["Alex\r\nBcc: eve@example.com", "Alex\nWilber", "Alex\x00", "Alex\x1b[31m", "A\x85B"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_control_character_in_a_name_is_refused_and_nothing_is_stored(
    tenant: Tenant, name: str
) -> None:
    tenant.add_product("visio")
    for path, body in (
        (
            "/api/requests",
            {"productId": "visio", "users": [{"email": "a@contoso.com", "name": name}]},
        ),
        (
            "/api/products/project",
            {"name": name, "selfServicePurchase": "blocked", "totalLicenses": 1},
        ),
    ):
        call = tenant.user.post if path == "/api/requests" else tenant.admin.put
        response = call(path, body)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_request"
    assert tenant.admin.get("/api/requests").json()["items"] == []
    products = tenant.admin.get("/api/products").json()
    assert [p["id"] for p in products["items"]] == ["visio"]


def test_free_text_keeps_line_breaks_but_not_other_control_characters(tenant: Tenant) -> None:
    tenant.add_product("visio")
    refused = tenant.user.post("/api/requests", {"productId": "visio", "justification": "a\x00b"})
    assert refused.status_code == 400
    made = tenant.user.post(
        "/api/requests", {"productId": "visio", "justification": "Line one\r\n\tLine two"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["justification"] == "Line one\r\n\tLine two"


def test_a_token_name_with_line_breaks_is_made_one_line_and_every_email_goes_out(
    tenant: Tenant, outbox_dir: Path
) -> None:
    tenant.add_product("visio", total=5)
    requester = tenant.person("lynne@contoso.com", name="Lynne\r\nBcc: eve@example.com\x00")
    made = tenant.submit("visio", ["alex@contoso.com"], who=requester)
    assert made["requester"]["name"] == "Lynne Bcc: eve@example.com"
    approved = tenant.admin.post(f"/api/requests/{made['id']}/approve", {"message": "Yes\nenjoy"})
    assert approved.status_code == 200, approved.text
    mails = wait_for(
        lambda: (found := _emails_of(outbox_dir, made["id"])) and len(found) == 2 and found
    )
    recipients = sorted(m["To"].addresses[0].addr_spec for m in mails)
    assert recipients == ["alex@contoso.com", "lynne@contoso.com"]
    assert all("eve@example.com" not in str(m.get("Bcc", "")) for m in mails)
