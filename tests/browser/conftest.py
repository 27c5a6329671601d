"""A headless Debian Chromium (driven by Playwright) on the console served by the dev host.

The dev host, Azurite and the per-test tenant are the session fixtures of
tests/conftest.py. Chromium is /usr/bin/chromium, installed by tools/ensure_chromium.sh
(Playwright downloads nothing).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.browser.console import Console, guard, watch

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, Playwright, sync_playwright

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


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `bash tools/ensure_chromium.sh`")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
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
    """open_console(locale="en-US", context=None, local_tls=False) -> a new tab on the console.

    Each call without `context` is a new browser profile (a separate person); pass a
    Console's `page.context` to open a second tab of the same profile. `local_tls` lets
    the profile visit the Graph emulator's pages, whose certificate is from a local CA.
    Every tab must end with no CSP violation, script error or request outside loopback.
    """
    consoles: list[Console] = []
    contexts = []

    def open_(locale: str = "en-US", context: object = None, local_tls: bool = False) -> Console:
        problems: list[str] = []
        if context is None:
            context = browser.new_context(
                viewport={"width": 1440, "height": 900},
                locale=locale,
                base_url=console_served,
                ignore_https_errors=local_tls,
                # No transitions (styles.css honours it): screenshots need no settling time.
                reduced_motion="reduce",
            )
            guard(context, problems)  # type: ignore[arg-type]
            contexts.append(context)
        page = context.new_page()  # type: ignore[attr-defined]
        page.set_default_timeout(10_000)
        watch(page, problems)
        console = Console(page, console_served, problems)
        consoles.append(console)
        return console

    yield open_
    try:
        problems = [p for c in consoles for p in c.problems]
        assert not problems, "\n".join(problems)
    finally:
        for context in contexts:
            context.close()
