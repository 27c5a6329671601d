"""X6, X10, R13: notices become emails exactly once, through a real queue and real senders."""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from shared import bootstrap
from shared.adapters.email.acs import AcsEmailSender
from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.adapters.queue_notifier import QueueNotifier
from shared.app.email_rendering import EmailRenderer
from shared.app.notifications import NotificationWorker, queue_message
from shared.app.ports import EmailSender, OutboxMessage
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import (
    ProductPut,
    RequestCreate,
    RequestProcessPut,
)
from tests.integration.conftest import settings_for
from tests.support.api import unique_tenant
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock
from tools.acs_stub import AcsStub


class BrokenQueue:
    """A queue whose put fails, as if the process died right after the commit."""

    def send_message(self, _content: str) -> None:
        raise ConnectionError("process died before enqueue")


class World:
    """The app in-process on Azurite with its own queue, a clock, a tenant and people."""

    def __init__(
        self, azurite: Azurite, sender: EmailSender, *, queue_ok: bool = True, **env: str
    ) -> None:
        self.clock = FrozenClock()
        settings = settings_for(azurite, NOTIFICATIONS_QUEUE=f"n{unique_tenant()}", **env)
        self.queue: QueueClient = bootstrap.build_queue(settings)
        notifier = QueueNotifier(self.queue if queue_ok else BrokenQueue())
        self.app = bootstrap.build(settings, clock=self.clock, notifier=notifier, sender=sender)
        self.tenant = unique_tenant()
        self.admin = Principal(self.tenant, "a1", "Ada Admin", "ada@contoso.com", True)
        self.user = Principal(self.tenant, "u1", "Megan Bowen", "megan@contoso.com", False)
        self.app.service.put_product(
            self.admin,
            "visio",
            ProductPut.model_validate(
                {
                    "name": "Visio Plan 2",
                    "selfServicePurchase": "blocked",
                    "totalLicenses": 10,
                    "servicePlans": [{"id": "visio", "name": "Visio"}],
                }
            ),
        )

    @property
    def worker(self) -> NotificationWorker:
        return self.app.worker()

    def submit(self, others: list[str]) -> str:
        body = RequestCreate.model_validate(
            {"productId": "visio", "users": [{"email": e} for e in others]}
        )
        return self.app.service.submit(self.user, body).request.id

    def messages(self) -> list[Any]:
        """Receive (and so hide for 30 s) what is on the queue, decoded as the host does."""
        received = list(self.queue.receive_messages(max_messages=32, visibility_timeout=30))
        for message in received:
            message.content = base64.b64decode(message.content).decode()
        return received

    def deliver_all(self) -> int:
        """Play the Functions host once: hand each queued message to the worker."""
        handled = 0
        for message in self.messages():
            self.worker.handle(message.content, message.id)
            self.queue.delete_message(message)
            handled += 1
        return handled


def _read_eml(directory: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(directory.glob("*.eml"))
    ]


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def world(azurite: Azurite, outbox: Path) -> World:
    return World(azurite, OutboxDirSender(outbox))


@pytest.fixture
def acs() -> Iterator[AcsStub]:
    with AcsStub() as stub:
        yield stub


def test_one_decision_for_three_users_sends_exactly_three_emails_with_their_outcomes(
    world: World, outbox: Path
) -> None:
    request_id = world.submit(["alex@contoso.com", "lee@contoso.com"])
    world.app.service.approve(
        world.admin,
        request_id,
        ApproveCommand.model_validate({"excludeUsers": ["lee@contoso.com"], "message": "Enjoy"}),
    )
    assert world.deliver_all() == 1
    mails = {str(m["To"]): m for m in _read_eml(outbox)}
    assert sorted(mails) == [
        "Megan Bowen <megan@contoso.com>",
        "alex@contoso.com",
        "lee@contoso.com",
    ]
    assert mails["alex@contoso.com"]["Subject"].startswith("Approved")
    assert mails["lee@contoso.com"]["Subject"].startswith("Not approved for you")
    requester = mails["Megan Bowen <megan@contoso.com>"]
    text = requester.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Enjoy" in text
    assert "lee@contoso.com: not assigned" in text
    assert requester.get_body(("html",)) is not None


def test_a_denial_tells_every_user(world: World, outbox: Path) -> None:
    request_id = world.submit(["alex@contoso.com"])
    world.app.service.deny(world.admin, request_id, DenyCommand(message="Budget"))
    world.deliver_all()
    subjects = sorted(str(m["Subject"]) for m in _read_eml(outbox))
    assert subjects == ["Denied: license request for Visio Plan 2"] * 2


def test_the_same_message_delivered_twice_sends_one_email_per_user(
    world: World, outbox: Path
) -> None:
    request_id = world.submit(["alex@contoso.com"])
    world.app.service.approve(world.admin, request_id, ApproveCommand())
    [message] = world.messages()
    world.worker.handle(message.content, message.id)
    world.worker.handle(message.content, message.id)
    world.worker.handle(message.content, "another-copy")
    assert len(_read_eml(outbox)) == 2


def test_an_enqueue_failure_after_commit_is_caught_up_by_the_relay(
    azurite: Azurite, outbox: Path
) -> None:
    broken = World(azurite, OutboxDirSender(outbox), queue_ok=False)
    request_id = broken.submit(["alex@contoso.com"])
    decided = broken.app.service.approve(broken.admin, request_id, ApproveCommand())
    assert decided.status == "approved"
    assert broken.messages() == []

    relay = bootstrap.build(
        broken.app.settings,
        clock=broken.clock,
        store=broken.app.store,
        notifier=QueueNotifier(broken.queue),
    ).relay()
    assert relay.run() == 0, "a fresh row is not relayed: the enqueue may still come"
    broken.clock.advance(timedelta(minutes=1, seconds=1))
    assert relay.run() == 1
    assert relay.run() == 0, "relayed rows wait for the worker before being relayed again"
    assert broken.deliver_all() == 1
    assert len(_read_eml(outbox)) == 2
    broken.clock.advance(timedelta(minutes=5))
    assert relay.run() == 0, "delivered rows are gone"


def test_a_sender_failing_three_times_then_succeeding_sends_exactly_one_email(
    azurite: Azurite, acs: AcsStub
) -> None:
    world = World(
        azurite, AcsEmailSender(acs.client(), "DoNotReply@contoso.com", polling_interval=0.01)
    )
    request_id = world.submit([])
    world.app.service.approve(world.admin, request_id, ApproveCommand())
    [message] = world.messages()
    acs.fail_next_sends(3)
    for attempt in range(1, 5):  # as the host would: retry until it succeeds
        try:
            world.worker.handle(message.content, message.id)
            break
        except Exception:
            assert attempt < 4
    assert [d.to[0]["address"] for d in acs.delivered] == ["megan@contoso.com"]
    world.worker.handle(message.content, message.id)  # a late redelivery changes nothing
    assert len(acs.delivered) == 1


def test_a_permanently_refused_address_is_recorded_and_the_others_still_sent(
    azurite: Azurite, acs: AcsStub
) -> None:
    world = World(
        azurite, AcsEmailSender(acs.client(), "DoNotReply@contoso.com", polling_interval=0.01)
    )
    request_id = world.submit(["alex@contoso.com"])
    world.app.service.deny(world.admin, request_id, DenyCommand())
    [message] = world.messages()
    acs.fail_next_sends(1, status=400)
    delivery = world.worker.handle(message.content, message.id)
    assert (delivery.sent, delivery.failed) == (1, 1)
    assert len(acs.delivered) == 1


def test_a_malformed_message_is_dropped_without_retry(world: World) -> None:
    for body in (
        "not json",
        "{}",
        '{"tenant": 1, "outbox": "x"}',
        '{"tenant": "t", "outbox": "R|1"}',
    ):
        assert world.worker.handle(body, "m").dropped


def test_an_email_failure_never_changes_the_decision(azurite: Azurite, acs: AcsStub) -> None:
    world = World(
        azurite, AcsEmailSender(acs.client(), "DoNotReply@contoso.com", polling_interval=0.01)
    )
    request_id = world.submit([])
    decided = world.app.service.approve(world.admin, request_id, ApproveCommand())
    [message] = world.messages()
    acs.fail_next_sends(1000)
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 - whatever the sender raises, the host retries
            world.worker.handle(message.content, message.id)
    assert world.app.service.get_request(world.admin, request_id) == decided


def test_admins_listed_in_notify_admins_hear_of_new_requests(world: World, outbox: Path) -> None:
    world.app.service.put_request_process(
        world.admin,
        RequestProcessPut.model_validate(
            {"useOwnProcess": False, "notifyAdmins": ["it@contoso.com", "ops@contoso.com"]}
        ),
    )
    world.submit(["alex@contoso.com"])
    assert world.deliver_all() == 1
    mails = _read_eml(outbox)
    assert sorted(str(m["To"]) for m in mails) == ["it@contoso.com", "ops@contoso.com"]
    assert all(str(m["Subject"]).startswith("New license request: Visio Plan 2") for m in mails)


def test_no_admin_notice_is_queued_when_nobody_is_listed(world: World) -> None:
    world.submit([])
    assert world.messages() == []


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_template_renders_in_both_languages(language: str) -> None:
    renderer = EmailRenderer(language)
    payload = {
        "kind": "decision",
        "requestId": "r1",
        "action": "approve",
        "requestedProductName": "E3",
        "productName": "E5",
        "disabledServicePlans": ["Teams"],
        "message": "<hi>",
        "decidedBy": "Ada",
        "requester": {"id": "u", "name": "메건", "email": "m@x.com"},
        "users": [
            {"email": "m@x.com", "name": "메건", "outcome": "assigned"},
            {"email": "b@x.com", "name": None, "outcome": "alreadyLicensed"},
            {"email": "c@x.com", "name": None, "outcome": "notAssigned"},
        ],
    }
    mails = renderer.render("t", "O|r1|decision", payload)
    assert len({m.subject for m in mails}) == 3
    assert all("${" not in m.text + m.html + m.subject for m in mails)
    assert all("&lt;hi&gt;" in m.html and "<hi>" in m.text for m in mails)
    assert "Teams" in mails[0].text and "Teams" not in mails[1].text
    assert "queue" not in queue_message(OutboxMessage("t", "O|r1|decision"))


def test_every_email_links_to_the_request_in_the_console_at_the_public_base_url(
    azurite: Azurite, outbox: Path
) -> None:
    world = World(
        azurite, OutboxDirSender(outbox), PUBLIC_BASE_URL="https://licenses.contoso.example"
    )
    request_id = world.submit(["alex@contoso.com"])
    world.app.service.deny(world.admin, request_id, DenyCommand())
    world.deliver_all()
    link = f"https://licenses.contoso.example/api/console/#/requests/{request_id}"
    mails = _read_eml(outbox)
    assert len(mails) == 2
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert link in text and f'<a href="{link}">' in html
        assert request_id not in text.replace(link, "") + html.replace(link, "")
