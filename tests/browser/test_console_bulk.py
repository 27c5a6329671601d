"""The admin's day in the console (X14): bulk decisions, search, product filter, order,
counts, the CSV export, the License Administrator, and a product's approver."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant, product_body, token


def _three_for_two_seats(tenant: Tenant) -> list[dict[str, Any]]:
    """Three people each ask for Visio Plan 2 for themselves; two licenses are free."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=2, plans=["visio"])
    return [
        tenant.submit("visio-plan-2", who=tenant.person(email, name=name))
        for email, name in [
            ("alex@contoso.com", "Alex Wilber"),
            ("lee@contoso.com", "Lee Gu"),
            ("diego@contoso.com", "Diego Siciliani"),
        ]
    ]


def _status(tenant: Tenant, request: dict[str, Any]) -> str:
    return str(tenant.admin.get(f"/api/requests/{request['id']}").json()["status"])


def _rows(page: Page) -> Any:
    return page.locator("#requests-table tbody tr")


def test_admin_approves_three_requests_at_once_and_learns_one_got_no_license(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """GIVEN 3 pending requests and 2 licenses, WHEN the admin selects them all and
    approves, THEN the confirmation says 3, the oldest 2 are approved and the summary says
    1 was not approved for want of licenses; the list and its counts follow."""
    alex, lee, diego = _three_for_two_seats(tenant)

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    expect(_rows(page)).to_have_count(3)
    expect(page.get_by_role("radio", name="Pending (3)")).to_be_checked()
    expect(page.get_by_role("radio", name="Completed (0)")).to_be_visible()
    status = page.locator("#selection-status")
    expect(status).to_have_text("Select requests to decide on several at once.")
    expect(page.get_by_role("button", name="Approve selected", exact=True)).to_be_disabled()

    # From the keyboard: Space ticks "select all", Enter opens the confirmation.
    page.get_by_role("checkbox", name="Select all pending requests on this page").focus()
    page.keyboard.press("Space")
    expect(status).to_have_text("3 selected")
    for box in page.locator("#requests-table tbody input[type=checkbox]").all():
        expect(box).to_be_checked()
    page.get_by_role("button", name="Approve selected", exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Approve 3 requests?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("The oldest requests are approved first")
    expect(page.locator(":focus")).to_have_id("bulk-message")
    page.keyboard.type("Welcome to Visio")
    admin.screenshot("admin-bulk-confirm")
    admin.check_accessibility("bulk approve confirmation")
    dialog.get_by_role("button", name="Approve 3 requests").click()

    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("2 requests approved.")
    expect(summary).to_contain_text("1 not approved: not enough licenses")
    # Each request left as it was is named, with a link to it.
    left = summary.get_by_role(
        "link", name="Visio Plan 2 from Diego Siciliani: not enough licenses"
    )
    expect(left).to_have_attribute("href", f"#/requests/{diego['id']}")
    expect(summary).to_be_focused()
    # Oldest first: Alex and Lee got the licenses, Diego (the newest) waits.
    assert [_status(tenant, r) for r in (alex, lee, diego)] == ["approved", "approved", "pending"]
    decided = tenant.admin.get(f"/api/requests/{alex['id']}").json()
    assert decided["decision"]["message"] == "Welcome to Visio"
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page)).to_contain_text("Diego Siciliani")
    expect(page.get_by_role("radio", name="Pending (1)")).to_be_checked()
    expect(status).to_have_text("Select requests to decide on several at once.")
    admin.screenshot("admin-bulk-summary")
    admin.check_accessibility("bulk summary")

    page.get_by_role("radio", name="Completed (2)").check()
    expect(_rows(page)).to_have_count(2)
    for row in _rows(page).all():
        expect(row.locator(".col-status")).to_have_text("Approved")
    # Nothing left to decide in this view: no selection column, no bulk bar.
    expect(page.locator("#select-all")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve selected", exact=True)).to_have_count(0)


def test_admin_denies_two_selected_requests_after_confirming(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    alex, lee, diego = _three_for_two_seats(tenant)

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role(
        "checkbox", name="Select the request for Visio Plan 2 from Alex Wilber"
    ).check()
    page.get_by_role("checkbox", name="Select the request for Visio Plan 2 from Lee Gu").check()
    expect(page.locator("#selection-status")).to_have_text("2 selected")
    select_all = page.locator("#select-all")
    expect(select_all).to_have_js_property("indeterminate", True)
    # Ticking a box never opens the request behind the row.
    expect(page.locator("aside.pane")).to_have_count(0)

    deny = page.get_by_role("button", name="Don't approve selected")
    deny.click()
    dialog = page.get_by_role("dialog", name="Don't approve 2 requests?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(deny).to_be_focused()
    deny.click()
    page.keyboard.press("Escape")  # Esc cancels too, and the list stays
    expect(dialog).to_be_hidden()
    expect(_rows(page)).to_have_count(3)
    assert [_status(tenant, r) for r in (alex, lee, diego)] == ["pending"] * 3

    deny.click()
    # Denying has no terms: no waitlist, no license duration.
    expect(dialog.get_by_role("group", name="License duration")).to_have_count(0)
    expect(dialog.get_by_role("group", name="When there aren't enough licenses")).to_have_count(0)
    dialog.get_by_label("Message to users (optional)").fill("Not this quarter")
    dialog.get_by_role("button", name="Don't approve 2 requests").click()
    expect(page.locator("#bulk-summary")).to_contain_text("2 requests not approved.")
    assert [_status(tenant, r) for r in (alex, lee, diego)] == ["denied", "denied", "pending"]
    expect(_rows(page)).to_have_count(1)
    expect(page.get_by_role("radio", name="Completed (2)")).to_be_visible()
    page.get_by_role("radio", name="All").check()
    expect(_rows(page).filter(has_text="Not approved")).to_have_count(2)
    expect(_rows(page).filter(has_text="Pending")).to_have_count(1)


def test_search_product_filter_and_order_narrow_and_sort_the_list(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("project-plan-3", name="Project Plan 3", plans=["project"])
    for product, email, name in [
        ("visio-plan-2", "alex@contoso.com", "Alex Wilber"),
        ("project-plan-3", "lee@contoso.com", "Lee Gu"),
        ("visio-plan-2", "diego@contoso.com", "Diego Siciliani"),
    ]:
        tenant.submit(product, who=tenant.person(email, name=name))

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    rows = _rows(page)
    requesters = rows.locator(".person .truncate")
    expect(requesters).to_have_text(["Diego Siciliani", "Lee Gu", "Alex Wilber"])

    search = page.get_by_role("searchbox", name="Search")
    search.press_sequentially("aLeX")  # case-blind, searched once typing pauses
    expect(requesters).to_have_text(["Alex Wilber"])
    search.fill("project")  # a product's name
    expect(requesters).to_have_text(["Lee Gu"])
    search.fill("nobody")
    expect(page.locator("#requests-empty")).to_contain_text("No requests match your search")
    page.get_by_role("button", name="Clear search and filters").click()
    expect(search).to_have_value("")
    expect(requesters).to_have_text(["Diego Siciliani", "Lee Gu", "Alex Wilber"])

    product = page.get_by_label("Product", exact=True)
    expect(product.locator("option")).to_have_text(
        ["All products", "Project Plan 3", "Visio Plan 2"]
    )
    product.select_option(label="Visio Plan 2")
    expect(requesters).to_have_text(["Diego Siciliani", "Alex Wilber"])
    page.get_by_label("Order").select_option(label="Oldest first")
    expect(requesters).to_have_text(["Alex Wilber", "Diego Siciliani"])
    admin.screenshot("admin-requests-filtered")
    admin.check_accessibility("requests filtered")

    # The filters hold across a pane opened and closed.
    rows.first.get_by_role("link", name="Visio Plan 2").click()
    expect(page.locator("aside.pane")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("aside.pane")).to_have_count(0)
    expect(requesters).to_have_text(["Alex Wilber", "Diego Siciliani"])
    expect(product).to_have_value("visio-plan-2")


def test_paging_keeps_the_filters_and_starts_again_when_one_changes(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=50)
    tenant.add_product("project-plan-3", name="Project Plan 3", plans=["project"])
    for n in range(27):
        tenant.submit("visio-plan-2", who=tenant.person(f"user{n:02}@contoso.com"))
        if n % 9 == 0:
            tenant.submit("project-plan-3", who=tenant.person(f"pm{n:02}@contoso.com"))

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    rows = _rows(page)
    expect(page.get_by_role("radio", name="Pending (30)")).to_be_checked()
    page.get_by_label("Product", exact=True).select_option(label="Visio Plan 2")
    page.get_by_label("Order").select_option(label="Oldest first")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("user00")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(27)
    expect(rows.last).to_contain_text("user26")
    expect(rows.filter(has_text="Project Plan 3")).to_have_count(0)

    # Another filter: the first page of the new list, not a page of the old.
    page.get_by_role("searchbox", name="Search").fill("user2")
    expect(rows).to_have_count(7)  # user20 ... user26, oldest first still
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    expect(rows.first).to_contain_text("user20")


def test_export_downloads_a_csv_of_the_status_shown(
    tenant: Tenant, open_console: OpenConsole, tmp_path: Path
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    approved = tenant.submit("visio-plan-2", who=tenant.person("alex@contoso.com", name="Alex"))
    tenant.submit("visio-plan-2", who=tenant.person("lee@contoso.com", name="Lee Gu"))
    answer = tenant.admin.post(f"/api/requests/{approved['id']}/approve", {})
    assert answer.status_code == 200, answer.text

    admin = open_console().open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.get_by_role("radio", name="Completed (1)").check()
    expect(_rows(page)).to_have_count(1)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("license-requests-completed-")
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / "export.csv"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2, text
    body = "\n".join(",".join(r) for r in rows[1:])
    assert approved["id"] in body
    assert "alex@contoso.com" in body and "Visio Plan 2" in body
    # The status shown: Lee's pending request is not in it.
    assert "lee@contoso.com" not in body
    expect(page.locator("#toast")).to_contain_text("CSV exported")


def test_a_product_approver_sees_and_decides_only_their_products_requests(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=5)
    tenant.add_product("project-plan-3", name="Project Plan 3", plans=["project"])
    body = {
        **product_body("Visio Plan 2", plans=["visio"], total=5),
        "approvers": ["lee@contoso.com"],
    }
    assert tenant.admin.put("/api/products/visio-plan-2", body).status_code == 200
    mine = tenant.submit("visio-plan-2")
    other = tenant.submit("project-plan-3", who=tenant.person("alex@contoso.com", name="Alex"))

    approver = open_console().open()
    approver.sign_in(tenant.id, "lee@contoso.com", name="Lee Gu")
    page = approver.page
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Requests", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Products")).to_be_hidden()
    expect(page.locator("#who")).to_contain_text("Approver")
    expect(page.get_by_role("heading", name="Requests", level=1)).to_be_visible()
    rows = _rows(page)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Visio Plan 2")
    expect(rows).not_to_contain_text("Project Plan 3")
    # No counts, no settings, no export, no catalogue to filter by.
    expect(page.get_by_role("radio", name="Pending", exact=True)).to_be_checked()
    expect(page.get_by_role("link", name="Use your own request process")).to_have_count(0)
    expect(page.get_by_role("button", name="Export CSV")).to_have_count(0)
    expect(page.locator("#requests-product")).to_have_count(0)
    approver.screenshot("approver-requests")
    approver.check_accessibility("approver's requests")

    rows.get_by_role("link", name="Visio Plan 2").click()
    pane = page.locator("aside.pane")
    expect(pane).to_contain_text("Requested by Megan Bowen")
    # The API gives an approver the license counts of their products: the seat check works.
    expect(pane.locator("#seat-summary")).to_have_text("Uses 1 license · 5 available")
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.get_by_role("status").first).to_contain_text("Request approved")
    assert _status(tenant, mine) == "approved"

    # The other product's request is not theirs: not found, like an unknown id.
    approver.open(f"#/requests/{other['id']}")
    expect(page.locator("aside.pane")).to_contain_text("This request no longer exists")
    # The settings are the admins'.
    approver.open("#/own-process")
    expect(page).to_have_url(f"{approver.url}#/requests")
    expect(page.locator("aside.pane")).to_have_count(0)
    approver.open("#/products")
    expect(page).to_have_url(f"{approver.url}#/requests")
    assert _status(tenant, other) == "pending"


def test_a_person_who_approves_nothing_gets_no_requests_tab(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    user = open_console().open("#/requests")
    user.sign_in(tenant.id, "lee@contoso.com", name="Lee Gu")
    page = user.page
    expect(page.get_by_role("heading", name="Request a license", level=1)).to_be_visible()
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Requests", exact=True)
    ).to_be_hidden()
    expect(page.locator("#who")).not_to_contain_text("Approver")


def test_a_license_administrator_uses_the_requests_tab(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"], total=5)
    first = tenant.submit("visio-plan-2", who=tenant.person("alex@contoso.com", name="Alex"))
    second = tenant.submit("visio-plan-2", who=tenant.person("lee@contoso.com", name="Lee Gu"))

    admin = open_console().open()
    admin.sign_in_with_token(token(tenant.id, "lynne@contoso.com", role="license", name="Lynne"))
    page = admin.page
    expect(page.locator("#who")).to_contain_text("License admin")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Products")).to_be_visible()
    expect(page.get_by_role("radio", name="Pending (2)")).to_be_checked()
    expect(page.get_by_role("button", name="Export CSV")).to_be_visible()
    page.get_by_role("checkbox", name="Select all pending requests on this page").check()
    page.get_by_role("button", name="Approve selected", exact=True).click()
    page.get_by_role("dialog", name="Approve 2 requests?").get_by_role(
        "button", name="Approve 2 requests"
    ).click()
    expect(page.locator("#bulk-summary")).to_contain_text("2 requests approved.")
    assert [_status(tenant, r) for r in (first, second)] == ["approved", "approved"]
    decided = tenant.admin.get(f"/api/requests/{first['id']}").json()
    assert decided["decision"]["decidedBy"]["email"] == "lynne@contoso.com"


def test_a_license_administrator_gets_no_requests_tab_when_the_tenant_narrows_the_roles(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    narrowed = tenant.admin.put(
        "/api/settings/request-process", {"useOwnProcess": False, "approverRoles": ["global"]}
    )
    assert narrowed.status_code == 200, narrowed.text
    admin = open_console().open("#/requests")
    admin.sign_in_with_token(token(tenant.id, "lynne@contoso.com", role="license", name="Lynne"))
    page = admin.page
    expect(page.get_by_role("heading", name="Request a license", level=1)).to_be_visible()
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Requests", exact=True)).to_be_hidden()
    expect(nav.get_by_role("link", name="Products")).to_be_hidden()


def test_products_show_who_waits_and_the_approvers_are_edited_in_the_dialog(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("project-plan-3", name="Project Plan 3", plans=["project"])
    tenant.submit("visio-plan-2", ["alex@contoso.com", "lee@contoso.com"])

    admin = open_console().open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    visio = page.locator("#products-table tbody tr", has_text="Visio Plan 2")
    expect(visio.locator(".product-asking")).to_have_text("3 asking")
    project = page.locator("#products-table tbody tr", has_text="Project Plan 3")
    expect(project.locator(".product-asking")).to_have_count(0)
    # Nobody is on a waitlist yet (that is approved people waiting for a free license).
    expect(page.locator(".product-waitlist")).to_have_count(0)

    visio.get_by_role("button", name="Edit Visio Plan 2").click()
    dialog = page.get_by_role("dialog", name="Edit Visio Plan 2")
    approvers = dialog.get_by_label("Approvers (optional)")
    approvers.fill("lee@contoso.com, not-an-address")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Enter up to 20 valid email addresses")
    approvers.fill("lee@contoso.com,\nLynne@contoso.com\nlee@contoso.com")
    admin.check_accessibility("product edit dialog with approvers")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(visio).to_contain_text("Approvers: lee@contoso.com, Lynne@contoso.com")
    saved = next(
        p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio-plan-2"
    )
    assert [a.lower() for a in saved["approvers"]] == ["lee@contoso.com", "lynne@contoso.com"]

    # The dialog shows them again, one a line; emptied, nobody approves it any more.
    visio.get_by_role("button", name="Edit Visio Plan 2").click()
    expect(approvers).to_have_value("lee@contoso.com\nLynne@contoso.com")
    approvers.fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(visio).not_to_contain_text("Approvers:")
    saved = next(
        p for p in tenant.admin.get("/api/products").json()["items"] if p["id"] == "visio-plan-2"
    )
    assert saved["approvers"] == []


def test_the_new_controls_speak_korean(tenant: Tenant, open_console: OpenConsole) -> None:
    _three_for_two_seats(tenant)
    admin = open_console(locale="ko-KR").open()
    admin.sign_in_with_token(token(tenant.id, "admin@contoso.com", admin=True, name="Ada"))
    page = admin.page
    expect(page.get_by_role("radio", name="보류 중 (3)")).to_be_checked()
    expect(page.get_by_role("searchbox", name="검색")).to_be_visible()
    expect(page.get_by_role("button", name="CSV 내보내기")).to_be_visible()
    page.get_by_role("checkbox", name="이 페이지의 보류 중인 요청 모두 선택").check()
    page.get_by_role("button", name="선택 항목 승인", exact=True).click()
    dialog = page.get_by_role("dialog", name="요청 3개를 승인하시겠습니까?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="요청 3개 승인").click()
    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("요청 2개를 승인했습니다.")
    expect(summary).to_contain_text("1개 승인되지 않음: 라이선스 부족")


def test_an_approver_of_two_products_filters_by_them_only(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    for product_id, name, plan in [
        ("visio-plan-2", "Visio Plan 2", "visio"),
        ("project-plan-3", "Project Plan 3", "project"),
        ("teams-premium", "Teams Premium", "teams"),
    ]:
        tenant.add_product(product_id, name=name, plans=[plan])
        tenant.submit(product_id, who=tenant.person(f"{plan}@contoso.com", name=f"{name} user"))
    for product_id, name, plan in [
        ("visio-plan-2", "Visio Plan 2", "visio"),
        ("teams-premium", "Teams Premium", "teams"),
    ]:
        body = {**product_body(name, plans=[plan]), "approvers": ["lee@contoso.com"]}
        assert tenant.admin.put(f"/api/products/{product_id}", body).status_code == 200

    approver = open_console().open()
    approver.sign_in(tenant.id, "lee@contoso.com", name="Lee Gu")
    page = approver.page
    rows = _rows(page)
    expect(rows).to_have_count(2)
    product = page.get_by_label("Product", exact=True)
    expect(product.locator("option")).to_have_text(
        ["All products", "Teams Premium", "Visio Plan 2"]
    )
    product.select_option(label="Teams Premium")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Teams Premium user")
