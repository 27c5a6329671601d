"""A headless Debian Chromium (driven by Playwright) on the console served by the dev host.

The dev host, Azurite and the per-test tenant are the session fixtures of
tests/conftest.py. Chromium is /usr/bin/chromium, installed by tools/ensure_chromium.sh
(Playwright downloads nothing).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import requests

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.browser.console import CHROMIUM, Console, launch_chromium, new_context, open_tab


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `bash tools/ensure_chromium.sh`")
    browser = launch_chromium(playwright)
    try:
        yield browser
    finally:
        browser.close()


OpenConsole = Callable[..., Console]


@pytest.fixture(scope="session")
def console_served(base_url: str) -> str:
    """The dev host serves the console (fail fast and plainly when it is not registered)."""
    response = requests.get(f"{base_url}/api/console/", timeout=10)
    if response.status_code != 200:
        pytest.fail(
            f"GET /api/console/ answered {response.status_code}: register "
            "functions.console_http's blueprint in function_app.py"
        )
    return base_url


@pytest.fixture
def open_console(browser: Browser, console_served: str) -> Iterator[OpenConsole]:
    """open_console(locale="en-US", context=None, local_tls=False, viewport=None) -> a new
    tab on the console.

    Each call without `context` is a new browser profile (a separate person); pass a
    Console's `page.context` to open a second tab of the same profile. `local_tls` lets
    the profile visit the Graph emulator's pages, whose certificate is from a local CA;
    `viewport` is its window size (default 1440x900).
    Every tab must end with no CSP violation, script error or request outside loopback.
    """
    consoles: list[Console] = []
    contexts: list[BrowserContext] = []

    def open_(
        locale: str = "en-US",
        context: BrowserContext | None = None,
        local_tls: bool = False,
        viewport: dict[str, int] | None = None,
    ) -> Console:
        problems: list[str] = []
        if context is None:
            context = new_context(
                browser,
                console_served,
                problems,
                viewport=viewport,
                locale=locale,
                local_tls=local_tls,
            )
            contexts.append(context)
        console = open_tab(context, console_served, problems)
        consoles.append(console)
        return console

    yield open_
    try:
        problems = [p for c in consoles for p in c.problems]
        assert not problems, "\n".join(problems)
    finally:
        for context in contexts:
            context.close()
