"""Admins in the console: Requests tab, detail pane, decisions, own process, products."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def _catalogue(tenant: Tenant) -> None:
    """Visio Plan 2 is fulfilled by Visio Suite (a superset), never by Project Plan 3."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=5, plans=["visio"])
    tenant.add_product(
        "visio-suite", name="Visio Suite", total=3, plans=["visio", "whiteboard", "forms"]
    )
    tenant.add_product("project-plan-3", name="Project Plan 3", total=9, plans=["project"])


Products = list[dict[str, Any]]


def _rewrite_products(page: Page, change: Callable[[Products], None]) -> None:
    """Let `change` edit the items of every GET /api/products the console receives."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        change(body["items"])
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r"/api/products$"), handle)


def _self_service(tenant: Tenant, product_id: str) -> str:
    products = tenant.admin.get("/api/products").json()["items"]
    return str(next(p for p in products if p["id"] == product_id)["selfServicePurchase"])


def test_admin_approves_in_part_choosing_the_product_and_switching_an_app_off(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    _catalogue(tenant)
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com", "lynne@contoso.com"])

    admin = open_console().open()
    admin.screenshot("sign-in")
    admin.check_accessibility("sign-in")
    admin.sign_in(tenant.id, "admin@contoso.com", name="Ada Admin", admin=True)
    page = admin.page

    table = page.locator("#requests-table")
    row = table.locator("tbody tr", has_text="Visio Plan 2")
    expect(row).to_contain_text("Megan Bowen")
    expect(row).to_contain_text("Pending")
    expect(table.locator("thead")).to_contain_text("Date requested")
    admin.screenshot("admin-requests")
    admin.check_accessibility("requests list")

    row.get_by_role("link", name="Visio Plan 2").click()
    pane = page.locator("aside.pane")
    expect(pane.get_by_role("heading", name="Visio Plan 2")).to_be_visible()
    choice = pane.locator("#product-choice")
    expect(choice.get_by_role("radio")).to_have_count(2)
    expect(choice).to_contain_text("Visio Suite")
    expect(choice).to_contain_text("3 licenses available")
    expect(choice).to_contain_text("5 licenses available")
    expect(choice).not_to_contain_text("Project Plan 3")

    pane.get_by_role("button", name="Don't assign to alex@contoso.com").click()
    excluded = pane.locator("#users-excluded")
    expect(excluded).to_contain_text("alex@contoso.com")
    expect(pane.locator("#users-included")).not_to_contain_text("alex@contoso.com")
    # ...and back, and out again: the X is reversible.
    excluded.get_by_role("button", name="Add back alex@contoso.com").click()
    expect(pane.locator("#users-included")).to_contain_text("alex@contoso.com")
    pane.get_by_role("button", name="Don't assign to alex@contoso.com").click()

    choice.get_by_label(re.compile("Visio Suite")).check()
    apps = pane.locator("fieldset", has_text="Apps and services")
    expect(apps.get_by_role("checkbox")).to_have_count(3)
    apps.get_by_label("Whiteboard").uncheck()
    pane.get_by_label("Message to users (optional)").fill("Welcome to Visio")
    admin.screenshot("admin-request-detail", height=1180)
    admin.check_accessibility("request detail pane")

    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.get_by_role("alert").or_(pane.get_by_role("status")).first).to_contain_text(
        "Request approved"
    )
    expect(pane).to_contain_text("Visio Suite")
    expect(pane).to_contain_text("Whiteboard")
    outcomes = pane.locator(".people__item")
    expect(outcomes.filter(has_text="alex@contoso.com")).to_contain_text("Not assigned")
    expect(outcomes.filter(has_text="lynne@contoso.com")).to_contain_text("License assigned")
    expect(outcomes.filter(has_text="megan@contoso.com")).to_contain_text("License assigned")
    admin.screenshot("admin-request-approved")
    admin.check_accessibility("approved request")

    decided = tenant.admin.get(f"/api/requests/{submitted['id']}").json()
    assert decided["status"] == "approved"
    assert decided["decision"]["productId"] == "visio-suite"
    assert decided["decision"]["disabledServicePlans"] == ["whiteboard"]
    assert decided["decision"]["message"] == "Welcome to Visio"
    assert {u["email"]: u["outcome"] for u in decided["users"]} == {
        "megan@contoso.com": "assigned",
        "alex@contoso.com": "notAssigned",
        "lynne@contoso.com": "assigned",
    }

    # The pending view no longer lists it; the completed view does.
    expect(table.locator("tbody tr", has_text="Visio Plan 2")).to_have_count(0)
    page.get_by_role("radio", name="Completed").check()
    expect(page.locator("#requests-table tbody tr", has_text="Visio Plan 2")).to_contain_text(
        "Approved"
    )


def test_the_product_choice_is_the_servers_fulfils_not_the_service_plans(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """The console offers what GET /api/products says each product fulfils (X2)."""
    _catalogue(tenant)
    submitted = tenant.submit("visio-plan-2")

    def swap(items: Products) -> None:
        # By plans Visio Suite fulfils Visio Plan 2; here the server says Project Plan 3 does.
        fulfils = {
            "visio-plan-2": ["visio-plan-2"],
            "visio-suite": ["visio-suite"],
            "project-plan-3": ["project-plan-3", "visio-plan-2"],
        }
        for item in items:
            item["fulfils"] = fulfils[item["id"]]

    admin = open_console()
    _rewrite_products(admin.page, swap)
    admin.open(f"#/requests/{submitted['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    choice = admin.page.locator("aside.pane #product-choice")
    expect(choice.get_by_role("radio")).to_have_count(2)
    expect(choice.locator(".check__title")).to_have_text(["Visio Plan 2", "Project Plan 3"])
    expect(choice.get_by_role("radio").first).to_be_checked()


def test_without_fulfils_only_the_requested_product_is_offered(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """An API older than `fulfils`: the requested product, and no choice."""
    _catalogue(tenant)
    submitted = tenant.submit("visio-plan-2")

    def strip(items: Products) -> None:
        for item in items:
            item.pop("fulfils", None)

    admin = open_console()
    _rewrite_products(admin.page, strip)
    admin.open(f"#/requests/{submitted['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    pane = admin.page.locator("aside.pane")
    expect(pane).to_contain_text("Visio Plan 2: 5 licenses available")
    expect(pane.locator("#product-choice")).to_have_count(0)
    apps = pane.locator("fieldset", has_text="Apps and services")
    expect(apps.get_by_role("checkbox")).to_have_count(1)


def test_insufficient_licenses_say_how_many_are_missing(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=1, plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com", "lynne@contoso.com"])

    admin = open_console().open(f"#/requests/{submitted['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    pane = admin.page.locator("aside.pane")
    expect(pane).to_contain_text("Visio Plan 2: 1 license available")
    pane.get_by_role("button", name="Approve", exact=True).click()
    alert = pane.get_by_role("alert")
    expect(alert).to_contain_text("1 available, this approval needs 3 (2 missing)")
    admin.screenshot("admin-insufficient-licenses")
    admin.check_accessibility("insufficient licenses")
    assert tenant.admin.get(f"/api/requests/{submitted['id']}").json()["status"] == "pending"


def test_admin_denies_only_after_confirming(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role("link", name="Visio Plan 2").click()
    pane = page.locator("aside.pane")

    pane.get_by_role("button", name="Don't approve").click()
    dialog = page.get_by_role("dialog", name="Don't approve this request?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("The 2 users in this request won't get Visio Plan 2")
    admin.screenshot("admin-deny-confirm")
    admin.check_accessibility("deny confirmation")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert tenant.admin.get(f"/api/requests/{submitted['id']}").json()["status"] == "pending"

    pane.get_by_role("button", name="Don't approve").click()
    page.keyboard.press("Escape")  # Esc also cancels
    expect(dialog).to_be_hidden()
    pane.get_by_label("Message to users (optional)").fill("Not this quarter")
    pane.get_by_role("button", name="Don't approve").click()
    dialog.get_by_role("button", name="Don't approve").click()
    expect(pane.get_by_role("status").first).to_contain_text("Request not approved")
    expect(pane.locator(".pane__meta")).to_contain_text("Not approved")
    expect(pane).to_contain_text("Not this quarter")
    decided = tenant.admin.get(f"/api/requests/{submitted['id']}").json()
    assert decided["status"] == "denied"
    assert decided["decision"]["message"] == "Not this quarter"


def test_a_second_admin_tab_shows_already_decided_cleanly(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2")

    first = open_console().open(f"#/requests/{submitted['id']}")
    first.sign_in(tenant.id, "admin@contoso.com", name="Ada Admin", admin=True)
    second = open_console(context=first.page.context).open(f"#/requests/{submitted['id']}")
    second.sign_in(tenant.id, "grace@contoso.com", name="Grace Admin", admin=True)
    expect(second.page.get_by_role("button", name="Approve", exact=True)).to_be_enabled()

    first.page.get_by_role("button", name="Approve", exact=True).click()
    expect(first.page.locator("aside.pane .pane__meta")).to_contain_text("Approved")

    pane = second.page.locator("aside.pane")
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.get_by_role("alert")).to_contain_text("Someone already decided this request")
    # The pane now shows the decision that stands, not a form that cannot succeed.
    expect(pane.locator(".pane__meta")).to_contain_text("Approved")
    expect(pane).to_contain_text("Approved by Ada Admin")
    expect(pane.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    second.screenshot("admin-already-decided")
    second.check_accessibility("already decided")


def test_own_request_process_banner_and_pane(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.submit("visio-plan-2")

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    expect(page.locator("#requests-table")).to_be_visible()
    expect(page.get_by_text("Users are sent to your organization's request process")).to_have_count(
        0
    )
    page.get_by_role("link", name="Use your own request process").click()
    pane = page.locator("aside.pane")
    expect(pane.get_by_role("heading", name="Use your own request process")).to_be_visible()
    pane.get_by_role("checkbox", name="Use your own request process").check()
    pane.get_by_role("button", name="Save").click()
    expect(pane.get_by_role("alert")).to_contain_text("Required while the setting is on")
    pane.get_by_label("Message to users").fill("Ask the IT service desk for licenses.")
    pane.get_by_label("Documentation link (optional)").fill("https://it.contoso.com/licenses")
    admin.screenshot("admin-own-process")
    admin.check_accessibility("own process pane")
    pane.get_by_role("button", name="Save").click()

    banner = page.get_by_text("Users are sent to your organization's request process")
    expect(banner).to_be_visible()
    # Requests made before it was switched on stay listed until decided (R6).
    expect(page.locator("#requests-table tbody tr", has_text="Visio Plan 2")).to_have_count(1)
    admin.screenshot("admin-requests-own-process")
    admin.check_accessibility("requests with own-process banner")
    process = tenant.user.get("/api/settings/request-process").json()
    assert process["useOwnProcess"] is True
    assert process["documentationUrl"] == "https://it.contoso.com/licenses"

    # Switching it off (R7) from the banner's link.
    page.get_by_role("link", name="Change request process").click()
    pane.get_by_role("checkbox", name="Use your own request process").uncheck()
    pane.get_by_role("button", name="Save").click()
    expect(banner).to_have_count(0)
    assert tenant.user.get("/api/settings/request-process").json()["useOwnProcess"] is False


def test_admin_edits_a_product(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=5, plans=["visio"])
    tenant.add_product(
        "flow", name="Power Automate", total=2, plans=["flow"], self_service="allowed"
    )
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    assert tenant.admin.post(f"/api/requests/{submitted['id']}/approve", {}).status_code == 200

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    admin.nav("Products")
    row = admin.page.locator("#products-table tbody tr", has_text="Visio Plan 2")
    expect(row.locator("td")).to_have_text(
        ["Manual", "5", "2", "3", "Blocked", "EditWaitlist and holders"]
    )
    expect(
        admin.page.locator("#products-table tbody tr", has_text="Power Automate")
    ).to_contain_text("Allowed")
    # Not connected (this deployment can connect): the way to Microsoft 365 is offered.
    section = admin.page.locator("#microsoft365")
    expect(section.get_by_role("button", name="Connect Microsoft 365")).to_be_visible()
    admin.screenshot("admin-products")
    admin.check_accessibility("products")

    row.get_by_role("button", name="Edit Visio Plan 2").click()
    dialog = admin.page.get_by_role("dialog", name="Edit Visio Plan 2")
    dialog.get_by_label("Total licenses").fill("1")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("At least 2")
    dialog.get_by_label("Total licenses").fill("12")
    dialog.get_by_label("Allowed").check()
    admin.screenshot("admin-product-edit")
    admin.check_accessibility("product edit dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row.locator("td")).to_have_text(
        ["Manual", "12", "2", "10", "Allowed", "EditWaitlist and holders"]
    )
    product = next(
        p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio-plan-2"
    )
    assert (product["totalLicenses"], product["selfServicePurchase"]) == (12, "allowed")


def test_admin_adds_a_manual_product(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=5, plans=["visio"])

    admin = open_console().open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role("button", name="Add product").click()
    dialog = page.get_by_role("dialog", name="Add a product")
    expect(page.locator(":focus")).to_have_id("new-product-id")
    dialog.get_by_label("Product ID").fill("visio-plan-2")
    dialog.get_by_label("Product name").fill("Visio Suite")
    dialog.get_by_role("button", name="Add product").click()
    expect(dialog.get_by_role("alert")).to_contain_text("visio-plan-2 already exists")
    dialog.get_by_label("Product ID").fill("-bad id")
    dialog.get_by_role("button", name="Add product").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Up to 64 letters")
    dialog.get_by_label("Product ID").fill("visio-suite")
    dialog.get_by_label("Total licenses").fill("4")
    dialog.get_by_label("Apps and services (optional)").fill("Visio\nWhiteboard\n")
    admin.screenshot("admin-product-add")
    admin.check_accessibility("add product dialog")
    dialog.get_by_role("button", name="Add product").click()
    expect(dialog).to_be_hidden()
    row = page.locator("#products-table tbody tr", has_text="Visio Suite")
    expect(row.locator("td")).to_have_text(
        ["Manual", "4", "0", "4", "Blocked", "EditWaitlist and holders"]
    )
    expect(page.locator(":focus")).to_have_attribute("aria-label", "Edit Visio Suite")
    added = next(
        p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio-suite"
    )
    assert added["servicePlans"] == [
        {"id": "visio", "name": "Visio"},
        {"id": "whiteboard", "name": "Whiteboard"},
    ]
    # Its apps include Visio Plan 2's, so it can be assigned in its place (X2).
    assert "visio-plan-2" in added["fulfils"]

    # The row's switch allows self-service purchase at once.
    row.get_by_role("switch", name="Self-service purchase of Visio Suite").check()
    expect(row).to_contain_text("Allowed")
    assert _self_service(tenant, "visio-suite") == "allowed"


def test_requests_list_pages_with_load_more(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=50)
    for n in range(27):
        tenant.submit("visio-plan-2", who=tenant.person(f"user{n}@contoso.com"))

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    rows = admin.page.locator("#requests-table tbody tr")
    expect(rows).to_have_count(25)
    admin.page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(27)
    expect(admin.page.get_by_role("button", name="Load more")).to_have_count(0)
    # The newest is first; the oldest arrives on the second page.
    expect(rows.first).to_contain_text("user26")
    expect(rows.last).to_contain_text("user0")


def test_the_detail_pane_works_from_the_keyboard(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    focused = page.locator(":focus")
    expect(focused).to_have_text("Requests")  # the new view's heading takes focus

    page.get_by_role("link", name="Visio Plan 2").focus()
    page.keyboard.press("Enter")
    expect(focused).to_have_text("Visio Plan 2")  # the pane's heading
    expect(focused).to_have_js_property("tagName", "H2")
    page.keyboard.press("Tab")
    expect(focused).to_have_attribute("aria-label", "Close")
    page.keyboard.press("Tab")
    expect(focused).to_have_attribute("aria-label", "Don't assign to Megan Bowen")
    page.keyboard.press("Enter")
    # Focus follows the user to the other list, so Enter again undoes it.
    expect(focused).to_have_attribute("aria-label", "Add back Megan Bowen")
    expect(page.locator("#users-excluded")).to_contain_text("Megan Bowen")
    page.keyboard.press("Enter")
    expect(focused).to_have_attribute("aria-label", "Don't assign to Megan Bowen")
    expect(page.locator("#users-included")).to_contain_text("Megan Bowen")

    page.get_by_role("button", name="Don't approve", exact=True).focus()
    page.keyboard.press("Space")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(focused).to_have_text("Cancel")  # the safe choice is the default
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(focused).to_have_text("Don't approve")  # focus returns to the opener
    assert tenant.admin.get(f"/api/requests/{submitted['id']}").json()["status"] == "pending"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
