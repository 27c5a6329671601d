"""Drive the web console in a real Chromium: sign in, navigate, check accessibility, screenshot.

Shared by the browser tests (tests/browser/conftest.py) and `make screenshots`
(tools/screenshots.py), so the README's pictures come from the same browser, flags and
guards as the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / ".local" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Loopback only: any host name but localhost fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
# The sizes the console is checked at: the tests' default, and two common laptop screens.
DESKTOP = {"width": 1440, "height": 900}
LAPTOP = {"width": 1280, "height": 800}
SMALL_LAPTOP = {"width": 1024, "height": 768}
# Served by a Playwright route from node_modules, on the console's own origin, so the
# console's CSP (script-src 'self') allows it: the CSP itself stays on for every test.
AXE_PATH = "/api/console/__test__/axe.min.js"
LOOPBACK = re.compile(r"^(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?/")


@dataclass
class Console:
    """One browser tab on the console, with what went wrong in it."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/api/console/"

    def open(self, hash_: str = "") -> Console:
        self.page.goto(self.url + hash_)
        expect(self.page.locator("h1")).to_be_visible()
        return self

    def sign_in(
        self, tenant: str, email: str, *, name: str | None = None, admin: bool = False
    ) -> Console:
        page = self.page
        expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
        page.get_by_label("Organization (tenant)").fill(tenant)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Display name (optional)").fill(name or "")
        page.get_by_label("Global admin").set_checked(admin)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return self

    def sign_in_with_token(self, token: str) -> Console:
        """Signed in with a dev token minted elsewhere (a License or User Administrator's,
        which the dev sign-in form does not offer): the console keeps its token in
        sessionStorage, so put it there and load the console again."""
        page = self.page
        if not page.url.startswith(self.url):
            self.open()
        page.evaluate("(t) => sessionStorage.setItem('licenseRequests.devToken', t)", token)
        page.reload()
        # By its id: the button speaks the page's language.
        expect(page.locator("#sign-out")).to_be_visible()
        return self

    def nav(self, name: str) -> None:
        self.page.get_by_role("navigation").get_by_role("link", name=name).click()

    def check_accessibility(self, view: str) -> list[dict[str, Any]]:
        """axe-core over the page as shown: no serious or critical violation allowed."""
        page = self.page
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(url=self.base + AXE_PATH)
        results = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        serious = [v for v in results if v["impact"] in ("serious", "critical")]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in serious
        ]
        assert not details, f"axe violations on {view}:\n" + "\n".join(details)
        return list(results)

    def screenshot(self, name: str, *, height: int | None = None) -> Path:
        """A full-page PNG under .local/screenshots/ (the README's pictures are made by
        `make screenshots`, from the demo tenant).

        `height` shows more of a tall pane (it scrolls within the viewport otherwise).
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = self.page.viewport_size
        if height and size:
            self.page.set_viewport_size({"width": size["width"], "height": height})
        # Tabs run with reduced motion (no transitions): one rendered frame is the resting state.
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        self.page.screenshot(path=str(path), full_page=True)
        if height and size:
            self.page.set_viewport_size(size)
        return path


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium (tools/ensure_chromium.sh installs it), headless."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def new_context(
    browser: Browser,
    base_url: str,
    problems: list[str],
    *,
    viewport: dict[str, int] | None = None,
    locale: str = "en-US",
    local_tls: bool = False,
) -> BrowserContext:
    """A new browser profile on the console, guarded (see `guard`)."""
    context = browser.new_context(
        viewport=viewport or DESKTOP,  # type: ignore[arg-type]
        locale=locale,
        base_url=base_url,
        ignore_https_errors=local_tls,
        # No transitions (styles.css honours it): screenshots need no settling time.
        reduced_motion="reduce",
    )
    guard(context, problems)
    return context


def open_tab(context: BrowserContext, base_url: str, problems: list[str]) -> Console:
    """A new tab of `context` on the console, its problems recorded in `problems`."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch(page, problems)
    return Console(page, base_url, problems)


def guard(context: BrowserContext, problems: list[str]) -> None:
    """Loopback only; axe served from node_modules; no request leaves the machine."""

    def serve_axe(route: Route) -> None:
        route.fulfill(path=str(AXE), content_type="text/javascript; charset=utf-8")

    def refuse(route: Route) -> None:
        url = route.request.url
        if LOOPBACK.match(url) or url.startswith("data:"):
            route.fallback()
        else:
            problems.append(f"request outside loopback blocked: {url}")
            route.abort()

    context.route(re.compile(r".*"), refuse)
    context.route(re.compile(re.escape(AXE_PATH) + "$"), serve_axe)


def watch(page: Page, problems: list[str]) -> None:
    """Record CSP violations, script errors and console errors (except expected HTTP ones)."""

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text:
            problems.append(f"CSP violation: {text}")
        elif message.type == "error" and "Failed to load resource" not in text:
            problems.append(f"console error: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
