"""Time-limited licenses in the console (X14): the decision pane's "License duration"
(permanent, 30 or 90 days, until a date), the same in a bulk approval with the waitlist,
and a product's holders with when each license ends and an Extend action.

These need the backend's licenseDuration / licenseUntil, GET /api/products/{id}/assignments
and POST .../assignments/{email}/extend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def _holders(tenant: Tenant, product_id: str) -> dict[str, dict[str, Any]]:
    reply = tenant.admin.get(f"/api/products/{product_id}/assignments")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["productId"] == product_id
    return {a["email"]: a for a in body["assignments"]}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _days_from_now(text: str) -> float:
    return (_when(text) - datetime.now(UTC)) / timedelta(days=1)


def _pane(page: Page) -> Any:
    return page.locator("aside.pane")


def test_the_decision_pane_grants_a_30_day_license(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=5)
    made = tenant.submit("visio-plan-2")
    admin = open_console().open(f"#/requests/{made['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    pane = _pane(admin.page)
    duration = pane.get_by_role("group", name="License duration")
    expect(duration.get_by_role("radio", name="Permanent")).to_be_checked()
    expect(duration.get_by_label("End date")).to_be_disabled()
    duration.get_by_role("radio", name="30 days").check()
    admin.check_accessibility("decision pane with a license duration")
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text("Request approved")

    megan = _holders(tenant, "visio-plan-2")["megan@contoso.com"]
    assert megan["requestId"] == made["id"]
    assert 29 < _days_from_now(megan["expiresAt"]) <= 30.01


def test_until_needs_a_date_after_today_and_sends_it(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=5)
    made = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    admin = open_console().open(f"#/requests/{made['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    pane = _pane(admin.page)
    duration = pane.get_by_role("group", name="License duration")
    duration.get_by_role("radio", name="Until…").check()
    end = duration.get_by_label("End date")
    expect(end).to_be_enabled()
    expect(end).to_be_focused()
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text("Choose an end date after today.")
    expect(end).to_have_attribute("aria-invalid", "true")
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"

    end.fill("2027-03-01")
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text("Request approved")
    holders = _holders(tenant, "visio-plan-2")
    for email in ("megan@contoso.com", "alex@contoso.com"):
        assert holders[email]["expiresAt"][:10] in {"2027-03-01", "2027-03-02"}, holders


def test_the_products_page_lists_holders_and_extends_a_license(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=5)
    limited = tenant.submit("visio-plan-2")
    lasting = tenant.submit("visio-plan-2", who=tenant.person("lee@contoso.com", name="Lee Gu"))
    reply = tenant.admin.post(f"/api/requests/{limited['id']}/approve", {"licenseDuration": "P30D"})
    assert reply.status_code == 200, reply.text
    reply = tenant.admin.post(f"/api/requests/{lasting['id']}/approve", {})
    assert reply.status_code == 200, reply.text
    before = _holders(tenant, "visio-plan-2")
    assert before["lee@contoso.com"]["expiresAt"] is None

    admin = open_console().open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role("button", name="Waitlist and holders of Visio Plan 2").click()
    dialog = page.get_by_role("dialog", name="Visio Plan 2: waitlist and holders")
    expect(dialog.locator("#waitlist-empty")).to_have_text("Nobody is waiting for Visio Plan 2.")
    rows = dialog.locator("#holders-table tbody tr")
    expect(rows).to_have_count(2)
    # The license that ends first comes first; a permanent one cannot be extended.
    megan, lee = rows.nth(0), rows.nth(1)
    expect(megan).to_contain_text("megan@contoso.com")
    expect(megan.locator(".holder-expiry time")).to_have_attribute(
        "datetime", before["megan@contoso.com"]["expiresAt"]
    )
    expect(lee.locator(".holder-expiry")).to_have_text("Permanent")
    expect(lee.get_by_role("button")).to_have_count(0)
    admin.check_accessibility("a product's holders")
    admin.screenshot("admin-product-holders")

    extend = megan.get_by_role("button", name="Extend the license of megan@contoso.com")
    extend.click()
    form = page.get_by_role("dialog", name="Extend the license of megan@contoso.com")
    by = form.get_by_role("group", name="Extend by")
    expect(by.get_by_role("radio", name="30 days")).to_be_checked()
    by.get_by_role("radio", name="90 days").check()
    form.get_by_role("button", name="Extend", exact=True).click()
    expect(form).to_have_count(0)
    expect(dialog.locator("#licenses-status")).to_contain_text(
        "The license of megan@contoso.com now ends"
    )
    after = _holders(tenant, "visio-plan-2")["megan@contoso.com"]
    assert _when(after["expiresAt"]) > _when(before["megan@contoso.com"]["expiresAt"])
    expect(rows.nth(0).locator(".holder-expiry time")).to_have_attribute(
        "datetime", after["expiresAt"]
    )


def test_a_bulk_approval_puts_the_rest_on_the_waitlist_for_90_days(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=2)
    made = [
        tenant.submit("visio-plan-2", who=tenant.person(email, name=name))
        for email, name in [
            ("alex@contoso.com", "Alex Wilber"),
            ("lee@contoso.com", "Lee Gu"),
            ("diego@contoso.com", "Diego Siciliani"),
        ]
    ]
    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role("checkbox", name="Select all pending requests on this page").check()
    page.get_by_role("button", name="Approve selected", exact=True).click()
    dialog = page.get_by_role("dialog", name="Approve 3 requests?")
    dialog.get_by_role("group", name="When there aren't enough licenses").get_by_role(
        "radio", name="Put the rest on the waitlist"
    ).check()
    dialog.get_by_role("group", name="License duration").get_by_role(
        "radio", name="90 days"
    ).check()
    admin.check_accessibility("bulk approval with its terms")
    dialog.get_by_role("button", name="Approve 3 requests").click()

    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("3 requests approved.")
    expect(summary).to_contain_text("1 person put on the waitlist.")
    outcomes = [
        tenant.admin.get(f"/api/requests/{r['id']}").json()["users"][0]["outcome"] for r in made
    ]
    assert outcomes == ["assigned", "assigned", "waiting"]
    holders = _holders(tenant, "visio-plan-2")
    assert sorted(holders) == ["alex@contoso.com", "lee@contoso.com"]
    for holder in holders.values():
        assert 89 < _days_from_now(holder["expiresAt"]) <= 90.01
