"""The waitlist in the console (X14): the decision pane's "put the rest on the waitlist",
each waiting user's place in the request and in My requests, and a product's waitlist on
the Products page, where an admin removes someone after confirming."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant, token

CATALOG = "https://admin.microsoft.com/Adminportal/Home#/catalog"


def _outcomes(tenant: Tenant, request_id: str) -> list[tuple[str, str, int | None]]:
    request = tenant.admin.get(f"/api/requests/{request_id}").json()
    return [(u["email"], u["outcome"], u.get("position")) for u in request["users"]]


def _waitlist(tenant: Tenant, product_id: str) -> list[tuple[str, int]]:
    reply = tenant.admin.get(f"/api/products/{product_id}/waitlist")
    assert reply.status_code == 200, reply.text
    return [(e["email"], e["position"]) for e in reply.json()["items"]]


def test_admin_puts_the_rest_on_the_waitlist_and_each_sees_their_place(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """GIVEN 2 free licenses and a request for 4 people, WHEN the admin chooses "put the
    rest on the waitlist" and approves, THEN 2 are assigned and 2 wait with places 1 and 2,
    shown in the pane and in the waiting person's My requests."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=2)
    made = tenant.submit(
        "visio-plan-2", ["alex@contoso.com", "lee@contoso.com", "diego@contoso.com"]
    )

    admin = open_console().open(f"#/requests/{made['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    pane = page.locator("aside.pane")
    summary = pane.locator("#seat-summary")
    expect(summary).to_have_text("2 licenses missing: 4 needed, 2 available")
    choice = pane.get_by_role("group", name="When there aren't enough licenses")
    expect(
        choice.get_by_role("radio", name="Keep the request pending: nothing is assigned")
    ).to_be_checked()
    choice.get_by_role("radio", name="Put the rest on the waitlist").check()
    expect(summary).to_have_text("2 go on the waitlist · 2 available now")
    expect(pane.locator("#seat-warning")).to_have_count(0)
    admin.check_accessibility("decision pane with the waitlist chosen")
    admin.screenshot("admin-decision-waitlist")
    pane.get_by_role("button", name="Approve", exact=True).click()

    expect(pane.locator("#pane-alert")).to_contain_text(
        "2 users are on the waitlist and get a license as soon as one is free."
    )
    users = pane.locator("#request-users")
    expect(users.locator("li[data-email='megan@contoso.com']")).to_contain_text("License assigned")
    expect(users.locator("li[data-email='lee@contoso.com']")).to_contain_text(
        "On the waitlist (number 1)"
    )
    expect(users.locator("li[data-email='diego@contoso.com']")).to_contain_text(
        "On the waitlist (number 2)"
    )
    assert _outcomes(tenant, made["id"]) == [
        ("megan@contoso.com", "assigned", None),
        ("alex@contoso.com", "assigned", None),
        ("lee@contoso.com", "waiting", 1),
        ("diego@contoso.com", "waiting", 2),
    ]

    diego = open_console().open("#/my")
    diego.sign_in(tenant.id, "diego@contoso.com", name="Diego Siciliani")
    row = diego.page.locator(f"#my-requests tr[data-request='{made['id']}']")
    expect(row.locator(".mine")).to_have_text("On the waitlist (number 2)")
    expect(row.locator(".outcomes li[data-email='lee@contoso.com']")).to_contain_text(
        "On the waitlist (number 1)"
    )
    diego.check_accessibility("my requests on the waitlist")


def test_refuse_stays_the_default_and_nothing_is_assigned(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=1)
    made = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    admin = open_console().open(f"#/requests/{made['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    pane = admin.page.locator("aside.pane")
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text("Not enough licenses")
    assert _outcomes(tenant, made["id"]) == [
        ("megan@contoso.com", "pending", None),
        ("alex@contoso.com", "pending", None),
    ]
    assert _waitlist(tenant, "visio-plan-2") == []


def _visio_row(page: Page) -> Any:
    return page.locator("#products-table tbody tr", has_text="Visio Plan 2")


def test_the_products_page_shows_the_waitlist_and_removes_someone_after_confirming(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=1)
    made = tenant.submit("visio-plan-2", ["alex@contoso.com", "lee@contoso.com"])
    reply = tenant.admin.post(f"/api/requests/{made['id']}/approve", {"whenShort": "wait"})
    assert reply.status_code == 200, reply.text
    assert _waitlist(tenant, "visio-plan-2") == [("alex@contoso.com", 1), ("lee@contoso.com", 2)]

    admin = open_console().open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    visio = _visio_row(page)
    expect(visio.locator(".product-waitlist")).to_have_text("2 on the waitlist")
    # A manual product: its licenses are not bought in Microsoft 365.
    expect(visio.get_by_role("link", name="Buy more licenses")).to_have_count(0)

    opener = visio.get_by_role("button", name="Waitlist and holders of Visio Plan 2")
    opener.click()
    dialog = page.get_by_role("dialog", name="Visio Plan 2: waitlist and holders")
    expect(dialog).to_be_visible()
    rows = dialog.locator("#waitlist-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("1")
    expect(rows.nth(0)).to_contain_text("alex@contoso.com")
    expect(rows.nth(1)).to_contain_text("lee@contoso.com")
    expect(rows.nth(0).get_by_role("link", name="Open request")).to_have_attribute(
        "href", f"#/requests/{made['id']}"
    )
    admin.check_accessibility("a product's waitlist")
    admin.screenshot("admin-product-waitlist")

    remove = dialog.get_by_role("button", name="Remove alex@contoso.com from the waitlist")
    remove.click()
    confirm = page.get_by_role("dialog", name="Remove alex@contoso.com from the waitlist?")
    expect(confirm).to_contain_text("gets an email saying so")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(remove).to_be_focused()
    assert _waitlist(tenant, "visio-plan-2") == [("alex@contoso.com", 1), ("lee@contoso.com", 2)]

    remove.click()
    confirm.get_by_role("button", name="Remove from waitlist").click()
    expect(dialog.locator("#licenses-status")).to_have_text(
        "alex@contoso.com was removed from the waitlist."
    )
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("lee@contoso.com")
    assert _waitlist(tenant, "visio-plan-2") == [("lee@contoso.com", 1)]
    assert _outcomes(tenant, made["id"])[1:] == [
        ("alex@contoso.com", "notAssigned", None),
        ("lee@contoso.com", "waiting", 1),
    ]

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(_visio_row(page).locator(".product-waitlist")).to_have_text("1 on the waitlist")

    # From the waitlist to the request: the dialog gives way to the request's pane.
    _visio_row(page).get_by_role("button", name="Waitlist and holders of Visio Plan 2").click()
    dialog.locator("#waitlist-table").get_by_role("link", name="Open request").click()
    expect(dialog).to_have_count(0)
    expect(
        page.locator("aside.pane #request-users li[data-email='lee@contoso.com']")
    ).to_contain_text("On the waitlist (number 1)")


def test_a_microsoft_365_product_with_people_waiting_links_to_buying_more(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """The waitlist count and the link depend only on the product's view: a manual product
    is shown as a Microsoft 365 one here (the Graph emulator's own tests cover the sync)."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=0)
    made = tenant.submit("visio-plan-2")
    reply = tenant.admin.post(f"/api/requests/{made['id']}/approve", {"whenShort": "wait"})
    assert reply.status_code == 200, reply.text

    def as_microsoft365(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        for product in body["items"]:
            product.update(source="microsoft365", skuId=None, skuPartNumber="VISIOCLIENT")
            product.update(reservedLicenses=0, licensingGroupId=None)
        route.fulfill(response=response, body=json.dumps(body))

    admin = open_console()
    admin.page.route("**/api/products", as_microsoft365)
    admin.open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    visio = _visio_row(page)
    expect(visio.locator(".product-waitlist")).to_have_text("1 on the waitlist")
    buy = visio.get_by_role("link", name="Buy more licenses in the Microsoft 365 admin center")
    expect(buy).to_have_attribute("href", CATALOG)
    expect(buy).to_have_attribute("target", "_blank")
    visio.get_by_role("button", name="Waitlist and holders of Visio Plan 2").click()
    dialog = page.get_by_role("dialog", name="Visio Plan 2: waitlist and holders")
    expect(dialog.locator("#waitlist-buy-more")).to_have_attribute("href", CATALOG)
    expect(dialog.locator("#waitlist-table tbody tr")).to_contain_text("megan@contoso.com")


def test_the_waitlist_speaks_korean(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=1)
    made = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    admin = open_console(locale="ko-KR").open(f"#/requests/{made['id']}")
    admin.sign_in_with_token(token(tenant.id, "admin@contoso.com", admin=True, name="Ada"))
    pane = admin.page.locator("aside.pane")
    duration = pane.get_by_role("group", name="라이선스 기간")
    expect(duration.get_by_role("radio", name="영구")).to_be_checked()
    expect(duration.get_by_role("radio", name="30일")).to_be_visible()
    pane.get_by_role("group", name="라이선스가 부족한 경우").get_by_role(
        "radio", name="나머지는 대기 목록에 추가"
    ).check()
    pane.get_by_role("button", name="승인", exact=True).click()
    expect(pane.locator("#request-users li[data-email='alex@contoso.com']")).to_contain_text(
        "대기 목록 1번째"
    )
