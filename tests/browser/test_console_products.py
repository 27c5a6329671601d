"""The Products page from empty: what to do next, Add product, and empty Requests."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def test_an_empty_catalogue_says_what_to_do_and_add_product_adds_one(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page

    # No requests yet: where they come from, and the way to Products.
    empty = page.locator("#requests-empty")
    expect(empty).to_contain_text("No pending requests.")
    expect(empty).to_contain_text("Requests appear here when people ask for a blocked product")
    empty.get_by_role("link", name="Go to Products").click()

    expect(page.get_by_role("heading", name="Products", level=1)).to_be_visible()
    products_empty = page.locator("#products-empty")
    expect(products_empty).to_contain_text("Your organization has no products yet.")
    expect(products_empty).to_contain_text("Add a product, or connect Microsoft 365")
    admin.screenshot("admin-products-empty")
    admin.check_accessibility("empty products")

    add = page.get_by_role("button", name="Add product")
    add.click()
    dialog = page.get_by_role("dialog", name="Add a product")
    dialog.get_by_label("Product ID").fill("adobe-acrobat-pro")
    dialog.get_by_label("Product name").fill("Adobe Acrobat Pro")
    dialog.get_by_label("Total licenses").fill("5")
    dialog.get_by_label("Apps and services (optional)").fill("Acrobat Pro\n")
    expect(dialog.get_by_label("Blocked")).to_be_checked()  # people may request it
    dialog.get_by_role("button", name="Add product").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Adobe Acrobat Pro added")
    row = page.locator("#products-table tbody tr", has_text="Adobe Acrobat Pro")
    expect(row.locator("td")).to_have_text(
        ["Manual", "5", "0", "5", "Blocked", "EditWaitlist and holders"]
    )
    expect(page.locator("#products-empty")).to_have_count(0)
    saved = tenant.admin.get("/api/products").json()["items"]
    assert [(p["id"], p["totalLicenses"], p["selfServicePurchase"]) for p in saved] == [
        ("adobe-acrobat-pro", 5, "blocked")
    ]

    # ...and people can now request it.
    user = open_console().open("#/request")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    expect(user.page.get_by_role("link", name="Request Adobe Acrobat Pro")).to_be_visible()
