"""Reminders and escalation over HTTP (issue 16): GET/PUT /api/settings/notifications
through the dev host, and the daily digest end to end.

The digest runs with a frozen clock: requests are made through the dev host now, and the
reminder timer's work runs in this process with a clock set days later, on the dev host's
storage and queue; the dev host's queue trigger then writes the emails. The dev host's own
timer runs every second meanwhile (REMINDER_SCHEDULE), on the real clock: it finds the
requests too fresh and adds nothing, as a second run would.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from shared import bootstrap
from tests.integration.conftest import settings_for
from tests.support.api import Api, Tenant, product_body, token, unique_tenant
from tests.support.azurite import Azurite, free_port, start_azurite
from tests.support.clock import FrozenClock
from tests.support.devhost import devhost_env, start_devhost, stop_process

PATH = "/api/settings/notifications"


# ---- the settings --------------------------------------------------------------------------


def test_the_defaults_are_two_days_and_a_week(tenant: Tenant) -> None:
    response = tenant.admin.get(PATH)
    assert response.status_code == 200
    assert response.json() == {
        "notifyAdmins": [],
        "remindAfter": "P2D",
        "escalateAfter": "P7D",
        "escalateTo": [],
        "updatedAt": None,
        "updatedBy": None,
    }


def test_an_admin_changes_them_with_audit_and_notify_admins_is_shared(tenant: Tenant) -> None:
    saved = tenant.admin.put(
        PATH,
        {
            "notifyAdmins": ["it@contoso.com"],
            "remindAfter": "PT36H",
            "escalateAfter": "P5D",
            "escalateTo": ["cio@contoso.com"],
        },
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["remindAfter"] == "PT36H" and body["escalateAfter"] == "P5D"
    assert body["updatedBy"]["email"] == "admin@contoso.com"
    assert tenant.admin.get(PATH).json() == body
    # notifyAdmins is the request-process settings' list, both ways.
    process = tenant.admin.get("/api/settings/request-process").json()
    assert process["notifyAdmins"] == ["it@contoso.com"]
    tenant.admin.put(
        "/api/settings/request-process",
        {"useOwnProcess": False, "notifyAdmins": ["desk@contoso.com"]},
    )
    again = tenant.admin.get(PATH).json()
    assert again["notifyAdmins"] == ["desk@contoso.com"]
    assert again["escalateTo"] == ["cio@contoso.com"]  # omitted: kept
    kept = tenant.admin.put(PATH, {"remindAfter": "P3D"}).json()
    assert (kept["notifyAdmins"], kept["escalateAfter"]) == (["desk@contoso.com"], "P5D")


def test_a_plain_user_gets_403(tenant: Tenant) -> None:
    for response in (tenant.user.get(PATH), tenant.user.put(PATH, {"remindAfter": "P3D"})):
        assert response.status_code == 403
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert tenant.admin.get(PATH).json()["remindAfter"] == "P2D"


@pytest.mark.parametrize(
    "body",
    [
        {"remindAfter": "P1M"},  # months have no fixed length
        {"remindAfter": "PT5H"},  # less than a day
        {"remindAfter": "two days"},
        {"remindAfter": 2},
        {"escalateAfter": "P1D"},  # not after the reminder (P2D)
        {"remindAfter": "P7D"},  # not before the escalation (P7D)
        {"escalateAfter": "P30D"},  # requests are gone by then
        {"escalateTo": [f"boss{i}@contoso.com" for i in range(21)]},
        {"escalateTo": ["cio@contoso.com", "CIO@contoso.com"]},
        {"notifyAdmins": ["not an address"]},
        {"remindAfter": "P3D", "snooze": True},
    ],
)
def test_bad_values_are_refused_and_change_nothing(tenant: Tenant, body: dict[str, Any]) -> None:
    before = tenant.admin.put(PATH, {"escalateTo": ["cio@contoso.com"]}).json()
    response = tenant.admin.put(
        PATH, {**body, "notifyAdmins": body.get("notifyAdmins", ["new@contoso.com"])}
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_request"
    assert tenant.admin.get(PATH).json() == before


# ---- the digest, end to end ---------------------------------------------------------------


class Host:
    """A dev host on its own Azurite (the timer visits every tenant of its storage)."""

    def __init__(self, azurite: Azurite, outbox: Path, log: Path) -> None:
        self.azurite, self.outbox, self.log = azurite, outbox, log
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = start_devhost(
            devhost_env(
                azurite,
                EMAIL_OUTBOX_DIR=str(outbox),
                PUBLIC_BASE_URL=self.base,
                REMINDER_SCHEDULE="*/1 * * * * *",
            ),
            port,
            log,
        )

    def run_timer_at(self, moment: datetime) -> dict[str, int]:
        """The reminder timer's work, in this process, with the clock at `moment`."""
        settings = settings_for(self.azurite, PUBLIC_BASE_URL=self.base)
        return bootstrap.build(settings, clock=FrozenClock(moment)).reminders().run()

    def emails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(self.outbox.glob("*.eml"))
            if b"|digest/" in p.read_bytes()
        ]

    def inbox(self, wanted: int, timeout: float = 20.0) -> dict[str, list[str]]:
        """The digests each address received, once `wanted` of them have arrived (and a
        moment more, so that an extra one would show)."""
        deadline = time.monotonic() + timeout
        while len(self.emails()) < wanted and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.5)  # the dev host polls its queue at most every 2 s
        received: dict[str, list[str]] = {}
        for mail in self.emails():
            received.setdefault(mail["To"].addresses[0].addr_spec, []).append(str(mail["Subject"]))
        return received


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    azurite = start_azurite()
    try:
        host = Host(azurite, tmp_path / "outbox", tmp_path / "devhost.log")
        try:
            yield host
        finally:
            stop_process(host.proc)
    finally:
        azurite.stop()


def _at_least(moment: datetime) -> datetime:
    """`moment`, or a little later so that the next minutes are still the same UTC day."""
    if (moment + timedelta(minutes=5)).date() != moment.date():
        return moment + timedelta(minutes=10)
    return moment


def test_a_digest_arrives_once_a_day_per_admin_and_escalation_reaches_escalate_to(
    host: Host,
) -> None:
    tid = unique_tenant()
    session = requests.Session()
    admin = Api(host.base, token(tid, "admin@contoso.com", admin=True), session)
    user = Api(host.base, token(tid, "megan@contoso.com", name="Megan Bowen"), session)
    assert admin.put("/api/products/visio", product_body()).status_code == 200
    settings = {
        "notifyAdmins": ["it@contoso.com", "desk@contoso.com"],
        "remindAfter": "P1D",
        "escalateAfter": "P2D",
        "escalateTo": ["cio@contoso.com"],
    }
    assert admin.put(PATH, settings).status_code == 200
    made = user.post("/api/requests", {"productId": "visio"})
    assert made.status_code == 201
    request = made.json()
    created = datetime.fromisoformat(request["createdAt"].replace("Z", "+00:00"))
    # The dev host's own timer (every second, the real clock) finds nothing due.
    time.sleep(1.5)
    assert "reminder digests: 0 tenant(s)" in host.log.read_text()

    # A day and an hour later: both admins get the reminder; nothing is escalated yet.
    first_day = _at_least(created + timedelta(days=1, hours=1))
    assert host.run_timer_at(first_day) == {tid: 2}
    inbox = host.inbox(wanted=2)
    assert inbox == {
        "it@contoso.com": ["Reminder: 1 license request waiting for a decision"],
        "desk@contoso.com": ["Reminder: 1 license request waiting for a decision"],
    }
    [mail] = [m for m in host.emails() if "it@contoso.com" in str(m["To"])]
    page = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'href="{host.base}/api/console/#/requests/{request["id"]}"' in page
    assert "Visio Plan 2" in page and "Megan Bowen" in page

    # The same day, however often the timer runs: nothing more.
    for minutes in (1, 2, 3):
        assert host.run_timer_at(first_day + timedelta(minutes=minutes)) == {}
    assert host.inbox(wanted=2) == inbox

    # The next day: one more each, and the request, now two days old, is escalated.
    next_day = first_day + timedelta(days=1)
    assert host.run_timer_at(next_day) == {tid: 3}
    assert host.run_timer_at(next_day + timedelta(minutes=1)) == {}
    later = host.inbox(wanted=5)
    assert {address: len(subjects) for address, subjects in later.items()} == {
        "it@contoso.com": 2,
        "desk@contoso.com": 2,
        "cio@contoso.com": 1,
    }
    assert later["cio@contoso.com"] == ["Escalated: 1 license request waiting for more than 2 days"]
    [escalation] = [m for m in host.emails() if "cio@contoso.com" in str(m["To"])]
    text = escalation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"/api/console/#/requests/{request['id']}" in text

    # Decided: the next day's run has nothing to tell.
    assert admin.post(f"/api/requests/{request['id']}/deny", {}).status_code == 200
    assert host.run_timer_at(next_day + timedelta(days=1)) == {}
