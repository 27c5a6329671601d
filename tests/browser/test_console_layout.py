"""The console on laptop screens (1280x800, 1024x768): the pane's decision buttons are in
view without scrolling, the list keeps one line per name beside the pane, Esc closes the
pane, and the toast never covers a field or a button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import OpenConsole
from tests.browser.console import LAPTOP, SMALL_LAPTOP
from tests.support.api import Tenant

SCREENS = pytest.mark.parametrize(
    "viewport", [LAPTOP, SMALL_LAPTOP], ids=lambda v: f"{v['width']}x{v['height']}"
)
LONG_PRODUCT = "Microsoft Purview Information Protection and Governance Suite"
LONG_NAME = "Maximiliane Alexandra Oberhuber-Lindqvist"


def _in_view(page: Page, element: Locator) -> None:
    """Wholly inside the window, as first shown: nothing scrolled to reach it."""
    box = element.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"], (box, size)
    assert box["y"] + box["height"] <= size["height"], (box, size)
    # ...and really visible there, not under something else.
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert element.evaluate(
        "(el, [x, y]) => el.contains(document.elementFromPoint(x, y))", list(centre)
    ), f"something covers {element} at {centre}"


def _busy_tenant(tenant: Tenant) -> dict[str, str]:
    """A long request (many users, a long reason) among others, so the pane is tall."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=50, plans=["visio"])
    tenant.add_product("suite", name=LONG_PRODUCT, total=50, plans=["purview", "visio"])
    for n in range(6):
        tenant.submit("visio-plan-2", who=tenant.person(f"user{n}@contoso.com", name=LONG_NAME))
    others = [f"colleague{n}@contoso.com" for n in range(12)]
    tall = tenant.submit("suite", others)
    return tall


@SCREENS
def test_the_decision_buttons_are_in_view_without_scrolling(
    tenant: Tenant, open_console: OpenConsole, viewport: dict[str, int]
) -> None:
    tall = _busy_tenant(tenant)
    admin = open_console(viewport=viewport).open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    page.locator(f'#requests-table a[data-request="{tall["id"]}"]').click()
    pane = page.locator("aside.pane")
    expect(pane.get_by_role("heading", name=LONG_PRODUCT)).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    _in_view(page, pane.get_by_role("button", name="Approve", exact=True))
    _in_view(page, pane.get_by_role("button", name="Don't approve"))
    _in_view(page, pane.locator("#seat-summary"))

    # Still there with focus deep in the form: the footer stays, the form scrolls under it.
    pane.get_by_label("Message to users (optional)").focus()
    _in_view(page, pane.get_by_label("Message to users (optional)"))
    _in_view(page, pane.get_by_role("button", name="Approve", exact=True))
    size = f"{viewport['width']}x{viewport['height']}"
    admin.screenshot(f"admin-pane-{size}")
    admin.check_accessibility(f"request pane at {size}")


@SCREENS
def test_beside_the_pane_each_name_stays_on_one_line_and_is_titled(
    tenant: Tenant, open_console: OpenConsole, viewport: dict[str, int]
) -> None:
    tall = _busy_tenant(tenant)
    admin = open_console(viewport=viewport).open(f"#/requests/{tall['id']}")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    expect(
        page.locator("aside.pane").get_by_role("button", name="Approve", exact=True)
    ).to_be_visible()
    rows = page.locator("#requests-table tbody tr")
    expect(rows).to_have_count(7)
    heights = rows.evaluate_all("(rows) => rows.map((r) => r.getBoundingClientRect().height)")
    # One line each: every row as tall as the shortest (no name wrapped onto a second line).
    assert max(heights) - min(heights) < 2, heights
    assert max(heights) < 56, heights
    product = page.locator(f'#requests-table a[data-request="{tall["id"]}"]')
    expect(product).to_have_attribute("title", LONG_PRODUCT)
    assert product.evaluate("(el) => el.scrollWidth > el.clientWidth"), "not cut"
    requester = rows.filter(has_text="Maximiliane").first.locator(".person .truncate")
    expect(requester).to_have_attribute("title", f"{LONG_NAME} (user5@contoso.com)")
    assert requester.evaluate("(el) => el.scrollWidth > el.clientWidth"), "not cut"
    # The list is not pushed below the pane, nor the pane below the list.
    list_box = page.locator("#requests-table").bounding_box()
    pane_box = page.locator("aside.pane").bounding_box()
    assert list_box and pane_box and list_box["x"] + list_box["width"] <= pane_box["x"]


def test_esc_closes_the_pane_and_focus_returns_to_the_row(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("project", name="Project Plan 3", plans=["project"])
    first = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    tenant.submit("project")

    admin = open_console(viewport=LAPTOP).open()
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    focused = page.locator(":focus")
    row_link = page.locator(f'#requests-table a[data-request="{first["id"]}"]')
    row_link.focus()
    page.keyboard.press("Enter")
    pane = page.locator("aside.pane")
    expect(focused).to_have_text("Visio Plan 2")  # the pane's heading
    pane.get_by_role("button", name="Don't assign to alex@contoso.com").focus()

    # Esc in the deny confirmation closes the dialog only.
    pane.get_by_role("button", name="Don't approve").click()
    dialog = page.get_by_role("dialog", name="Don't approve this request?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(pane).to_be_visible()

    # Esc from anywhere in the pane closes it, and focus is back on the row that opened it.
    pane.get_by_label("Message to users (optional)").focus()
    page.keyboard.press("Escape")
    expect(pane).to_have_count(0)
    expect(page).to_have_url(f"{admin.url}#/requests")
    expect(focused).to_have_attribute("data-request", first["id"])
    expect(page.locator("#requests-table tr.is-selected")).to_have_count(0)

    # The close button does the same.
    page.keyboard.press("Enter")
    expect(focused).to_have_text("Visio Plan 2")
    pane.get_by_role("link", name="Close").click()
    expect(pane).to_have_count(0)
    expect(focused).to_have_attribute("data-request", first["id"])

    # The own-process pane too, back to its link.
    page.get_by_role("link", name="Use your own request process").click()
    expect(pane.get_by_role("heading", name="Use your own request process")).to_be_visible()
    page.keyboard.press("Escape")
    expect(pane).to_have_count(0)
    expect(focused).to_have_id("own-process-link")
    assert tenant.admin.get(f"/api/requests/{first['id']}").json()["status"] == "pending"


_COVERED = """(toast) => {
  const t = toast.getBoundingClientRect();
  const hit = (r) => r.width > 0 && r.height > 0 &&
    r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
  return [...document.querySelectorAll(
    "main input, main select, main textarea, main button, main a.btn, main .row-link")]
    .filter((el) => el.checkVisibility() && hit(el.getBoundingClientRect()))
    .map((el) => el.id || el.getAttribute("aria-label") || el.textContent.trim());
}"""


@SCREENS
def test_the_toast_never_covers_a_field_or_a_button(
    tenant: Tenant, open_console: OpenConsole, viewport: dict[str, int]
) -> None:
    for n in range(14):
        tenant.add_product(f"product-{n:02}", name=f"Product {n:02}", plans=[f"app{n}"])
    admin = open_console(viewport=viewport).open("#/products")
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    toast = page.locator("#toast")

    # A switch low on the page: the page scrolls it near the toast's corner.
    row = page.locator("#products-table tbody tr", has_text="Product 13")
    row.get_by_role("switch").check()
    expect(toast).to_contain_text("Product 13 saved")
    expect(toast).to_be_visible()
    assert toast.evaluate(_COVERED) == []

    # Beside the pane, after saving the own request process (the list and pane below it).
    admin.open("#/own-process")
    page.locator("#process-message").fill("Ask the service desk.")
    page.get_by_role("button", name="Save").click()
    expect(toast).to_contain_text("Request process saved")
    page.locator("#own-process-link").click()
    expect(page.locator("aside.pane")).to_be_visible()
    assert toast.evaluate(_COVERED) == []
    _in_view(page, toast)
    size = f"{viewport['width']}x{viewport['height']}"
    admin.screenshot(f"toast-{size}")


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_the_api_root_opens_the_console(open_console: OpenConsole, path: str) -> None:
    # `make run` prints http://127.0.0.1:7071/api first: opening it shows the console.
    console = open_console()
    console.page.goto(console.base + path)
    expect(console.page).to_have_url(console.url)
    expect(console.page.locator("h1")).to_be_visible()
