"""`make screenshots`: the README's pictures, taken from what `make run` shows a newcomer.

It starts a private stack the way the browser tests do (tools.localstack: Azurite in
memory, a fresh Graph emulator with the demo directory, the dev host, all on free
loopback ports, so a running `make run` is left alone), sets up the demo tenant exactly
as `make run` does (tools.demo), then drives the console in Debian's Chromium at
1280x800 as the demo's people would:

* Alex Wilber asks for Office 365 E3 for himself, Lee Gu and Diego Siciliani (who
  already has it), picking them in the people picker;
* Megan Bowen asks for Visio Plan 2 for herself, Alex, Lee (who has it) and Diego: the
  demo has 3 Visio seats, one of them Lee's;
* the demo admin opens each request from the Requests list.

It writes docs/console.png (the E3 request: who already has the license, the product
choice, an app switched off, Approve in view) and docs/console-seats.png (the Visio
request: one license short, said before approving). Needs `make install` and
tools/ensure_chromium.sh (`make screenshots` runs both).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, expect, sync_playwright

from shared.config import load_settings
from tests.browser.console import (
    CHROMIUM,
    LAPTOP,
    Console,
    launch_chromium,
    new_context,
    open_tab,
)
from tools.demo import DEMO_ADMIN, DEMO_TENANT, set_up_demo_tenant
from tools.localstack import (
    LocalStackError,
    free_port,
    isolated_env,
    start_azurite,
    start_devhost,
    start_graph_emulator,
    stop_process,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@contextmanager
def demo_stack(workdir: Path) -> Iterator[str]:
    """Azurite, the Graph emulator and the dev host with the demo tenant; its base URL."""
    azurite = start_azurite()
    try:
        graph = start_graph_emulator(workdir / "graph", seed="demo", fresh=True)
        try:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = isolated_env(
                AzureWebJobsStorage=azurite.connection_string,
                EMAIL_OUTBOX_DIR=str(workdir / "outbox"),
                PUBLIC_BASE_URL=base,
                **graph.settings(),
            )
            host = start_devhost(env, port, workdir / "devhost.log")
            try:
                secret = load_settings(env).dev_jwt_secret
                set_up_demo_tenant(base, secret, graph.ca_cert)
                yield base
            finally:
                stop_process(host)
        finally:
            graph.stop()
    finally:
        azurite.stop()


def person(browser: Browser, base: str, problems: list[str], email: str, name: str) -> Console:
    """A new browser profile signed in to the console as `email` of the demo tenant."""
    context = new_context(browser, base, problems, viewport=LAPTOP)
    console = open_tab(context, base, problems).open()
    console.sign_in(DEMO_TENANT, email, name=name, admin=email == DEMO_ADMIN)
    return console


def ask(console: Console, product: str, people: list[str], reason: str) -> None:
    """Request `product` for oneself and `people` (picked in the people picker)."""
    page = console.page
    page.get_by_role("link", name=f"Request {product}").click()
    form = page.locator("form", has_text=f"Request {product}")
    picker = form.get_by_role("combobox", name="Name or email address")
    for name in people:
        picker.press_sequentially(name.split()[0][:4])
        page.get_by_role("option", name=name).click()
        expect(form.locator("#other-users li", has_text=name)).to_have_count(1)
    form.get_by_label("Why do you need it? (optional)").fill(reason)
    form.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()
    console.page.context.close()


def shoot(console: Console, name: str, show: str, block: str = "start") -> Path:
    """The window as shown, the pane scrolled to `show` (a selector; `block` as in
    scrollIntoView): not the whole page, what fits on the screen is the point."""
    page = console.page
    page.locator(show).evaluate("(el, block) => el.scrollIntoView({block})", block)
    page.mouse.move(1, 799)  # no hover state in the picture
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
    path = DOCS / name
    page.screenshot(path=str(path))
    return path


def take(base: str) -> list[Path]:
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            alex = person(browser, base, problems, "alex@contoso.com", "Alex Wilber")
            ask(
                alex,
                "Office 365 E3",
                ["Lee Gu", "Diego Siciliani"],
                "Project Falcon starts Monday: we need the desktop apps and shared mailboxes.",
            )
            megan = person(browser, base, problems, "megan@contoso.com", "Megan Bowen")
            ask(
                megan,
                "Visio Plan 2",
                ["Alex Wilber", "Lee Gu", "Diego Siciliani"],
                "Floor plans for the new office.",
            )

            admin = person(browser, base, problems, DEMO_ADMIN, "Demo Admin")
            page = admin.page
            pane = page.locator("aside.pane")
            page.get_by_role("link", name="Office 365 E3").click()
            expect(pane.locator("#already-licensed")).to_contain_text("Diego Siciliani")
            pane.locator("fieldset", has_text="Apps and services").get_by_label(
                "Microsoft Teams"
            ).uncheck()
            pane.get_by_label("Message to users (optional)").fill(
                "Welcome to Project Falcon. Teams stays on your current license."
            )
            pane.get_by_label("Message to users (optional)").blur()
            shots = [shoot(admin, "console.png", "aside.pane #product-choice")]

            page.get_by_role("link", name="Visio Plan 2").click()
            expect(pane.locator("#seat-warning")).to_contain_text("1 missing")
            shots.append(shoot(admin, "console-seats.png", "aside.pane #seat-warning", "end"))
        finally:
            browser.close()
    if problems:
        raise RuntimeError("the console reported problems:\n" + "\n".join(problems))
    return shots


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `bash tools/ensure_chromium.sh`", file=sys.stderr)
        return 1
    DOCS.mkdir(exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="screenshots-") as workdir:
            with demo_stack(Path(workdir)) as base:
                shots = take(base)
    except LocalStackError as exc:
        print(f"Cannot start the local stack: {exc}", file=sys.stderr)
        return 1
    for path in shots:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
