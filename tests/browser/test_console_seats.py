"""Before approving, the pane says what an approval takes (X1, X2): licenses needed
against those available, who already has the product, and which product that fulfils the
request has room when the chosen one has not; live, as users are removed or added back
and as the product changes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant
from tests.support.graph import user_id

E3 = "m365-enterprisepack"


def test_too_few_licenses_are_said_before_approving_with_a_product_that_has_room(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=3, plans=["visio"])
    tenant.add_product("visio-suite", name="Visio Suite", total=5, plans=["visio", "forms"])
    # One of the three is Nestor's already: two are available (total - assigned).
    earlier = tenant.submit("visio-plan-2", who=tenant.person("nestor@contoso.com"))
    approved = tenant.admin.post(f"/api/requests/{earlier['id']}/approve", {})
    assert approved.status_code == 200, approved.text
    others = ["alex@contoso.com", "lee@contoso.com", "diego@contoso.com"]
    submitted = tenant.submit("visio-plan-2", others)

    admin = open_console().open(f"#/requests/{submitted['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    pane = page.locator("aside.pane")
    expect(pane.locator("#product-choice .check", has_text="Visio Plan 2")).to_contain_text(
        "2 licenses available"
    )
    summary = pane.locator("#seat-summary")
    warning = pane.locator("#seat-warning")
    # Four users, two licenses: said at once, by the Approve button and in the form.
    expect(summary).to_have_text("2 licenses missing: 4 needed, 2 available")
    expect(warning).to_contain_text(
        "Not enough licenses for Visio Plan 2: 4 needed, 2 available (2 missing)."
    )
    expect(warning).to_contain_text(
        "Visio Suite includes every app of the request and has 5 licenses available."
    )
    admin.screenshot("admin-seats-short", height=1100)
    admin.check_accessibility("seat warning")

    # Removing a user updates it.
    pane.get_by_role("button", name="Don't assign to diego@contoso.com").click()
    expect(summary).to_have_text("1 license missing: 3 needed, 2 available")
    expect(warning).to_contain_text("(1 missing)")

    # The product with room, in one click; and back.
    warning.get_by_role("button", name="Assign Visio Suite instead").click()
    choice = pane.locator("#product-choice")
    expect(choice.get_by_label(re.compile("Visio Suite"))).to_be_checked()
    expect(choice.get_by_label(re.compile("Visio Suite"))).to_be_focused()
    expect(summary).to_have_text("Uses 3 licenses · 5 available")
    expect(warning).to_have_count(0)
    choice.get_by_label(re.compile("Visio Plan 2")).check()
    expect(summary).to_have_text("1 license missing: 3 needed, 2 available")

    # Enough once one more is left out; nothing was sent meanwhile.
    pane.get_by_role("button", name="Don't assign to lee@contoso.com").click()
    expect(summary).to_have_text("Uses 2 licenses · 2 available")
    expect(warning).to_have_count(0)
    assert tenant.admin.get(f"/api/requests/{submitted['id']}").json()["status"] == "pending"

    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text("Request approved")


def test_without_a_product_with_room_the_warning_says_to_remove_users(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=1, plans=["visio"])
    tenant.add_product("project", name="Project Plan 3", total=9, plans=["project"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com", "lee@contoso.com"])

    admin = open_console().open(f"#/requests/{submitted['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    warning = admin.page.locator("aside.pane #seat-warning")
    expect(warning).to_contain_text("Remove 2 users, or buy more licenses.")
    expect(warning.get_by_role("button")).to_have_count(0)


def test_users_who_already_have_the_product_are_shown_and_need_no_license(
    m365: Tenant, open_console: OpenConsole
) -> None:
    """Microsoft 365 says at submit who holds the product: Diego has Office 365 E3."""
    blocked = m365.admin.put(f"/api/products/{E3}", {"selfServicePurchase": "blocked"})
    assert blocked.status_code == 200, blocked.text
    alex = m365.person("alex@contoso.com", user_id=user_id("alex@contoso.com"))
    made = alex.post(
        "/api/requests",
        {"productId": E3, "users": [{"email": "lee@contoso.com"}, {"email": "diego@contoso.com"}]},
    )
    assert made.status_code == 201, made.text

    admin = open_console().open(f"#/requests/{made.json()['id']}")
    admin.sign_in(m365.id, "admin@contoso.com", admin=True)
    pane = admin.page.locator("aside.pane")
    holders = pane.locator("#already-licensed")
    expect(holders).to_contain_text("1 user already has Office 365 E3 and needs no license")
    expect(holders.locator("li")).to_have_text(["Diego Siciliani"])
    summary = pane.locator("#seat-summary")
    expect(summary).to_contain_text("Uses 2 licenses")
    admin.screenshot("admin-seats-already-licensed", height=1100)

    # Another product: holding E3 says nothing about it, so Diego needs one too.
    pane.locator("#product-choice").get_by_label(re.compile("Office 365 E5")).check()
    expect(holders).to_have_count(0)
    expect(summary).to_contain_text("Uses 3 licenses")
    pane.locator("#product-choice").get_by_label(re.compile("Office 365 E3")).check()
    # Leaving Diego out: he is no longer counted among the holders.
    pane.get_by_role("button", name="Don't assign to Diego Siciliani").click()
    expect(holders).to_have_count(0)
    expect(summary).to_contain_text("Uses 2 licenses")
