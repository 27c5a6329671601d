"""Each email in its reader's language, through the real worker on Azurite: the directory's
preferredLanguage of each user, else the tenant's emailLanguage, else EMAIL_LANGUAGE."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.app.notifications import LANGUAGE_TTL, queue_message
from shared.app.ports import OutgoingEmail
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.models import RequestProcessPut
from shared.domain.notices import notice_kind
from tests.integration import test_fulfilment as fulfilment
from tests.integration.test_email_delivery import World, _read_eml
from tests.support.azurite import Azurite

# The Microsoft 365 scene (Graph emulator, connected tenant) of the fulfilment tests.
scene = fulfilment.scene


class Sent:
    """Keeps the emails instead of sending them."""

    def __init__(self) -> None:
        self.emails: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        self.emails.append(email)


def test_a_ko_kr_user_and_an_en_us_user_of_one_request_read_korean_and_english(
    scene: fulfilment.Scene,
) -> None:
    # The demo directory: Lee Gu prefers ko-KR; Megan Bowen and Alex Wilber en-US.
    sent = Sent()
    scene.app.sender = sent
    request_id = scene.request(fulfilment.E3_PRODUCT, "lee@contoso.com", "alex@contoso.com")
    assert scene.app.fulfilment().handle(scene.approve(request_id)) == "done"
    [notice] = [m for m in scene.notifier.take() if notice_kind(m.key) == "decision"]
    assert notice.payload is not None
    languages = {u["email"]: u.get("language") for u in notice.payload["users"]}
    assert languages == {
        "megan@contoso.com": "en-US",
        "lee@contoso.com": "ko-KR",
        "alex@contoso.com": "en-US",
    }
    assert scene.app.worker().handle(queue_message(notice), "m1").sent == 3
    mails = {e.to: e for e in sent.emails}
    lee, alex = mails["lee@contoso.com"], mails["alex@contoso.com"]
    assert lee.subject == "승인됨: Office 365 E3 라이선스"
    assert lee.text.startswith("Lee Gu님, 안녕하세요.\n")
    assert "Megan님이 회원님을 위해 Office 365 E3 라이선스를 요청했고" in lee.text
    # Microsoft 365 refused Alex's license: the email says so, in English.
    assert alex.subject == "Not completed: your license for Office 365 E3"
    assert alex.text.startswith("Hello Alex Wilber,\n")
    assert "Megan asked for a license for Office 365 E3 for you, and Admin" in alex.text
    assert "it conflicts with a license you already have" in alex.text
    assert mails["megan@contoso.com"].subject == "Approved: you already have Office 365 E3"
    link = f"/api/console/#/requests/{request_id}"
    assert all(link in m.text and link in m.html for m in sent.emails)


def test_without_a_directory_language_the_tenants_email_language_is_used(
    azurite: Azurite, tmp_path: Path
) -> None:
    world = World(azurite, OutboxDirSender(tmp_path))
    world.app.service.put_request_process(
        world.admin,
        RequestProcessPut.model_validate(
            {"useOwnProcess": False, "notifyAdmins": ["it@contoso.com"], "emailLanguage": "ko"}
        ),
    )
    request_id = world.submit(["alex@contoso.com", "lee@contoso.com"])
    world.app.service.approve(
        world.admin,
        request_id,
        ApproveCommand.model_validate({"excludeUsers": ["lee@contoso.com"]}),
    )
    assert world.deliver_all() == 2
    subjects = {str(m["To"]): str(m["Subject"]) for m in _read_eml(tmp_path)}
    assert subjects == {
        "it@contoso.com": "새 라이선스 요청: Visio Plan 2 (사용자 3명)",
        "Megan Bowen <megan@contoso.com>": "승인됨: Visio Plan 2 라이선스",
        "alex@contoso.com": "승인됨: Visio Plan 2 라이선스",
        "lee@contoso.com": "회원님에게는 승인되지 않음: Visio Plan 2",
    }


def test_without_either_the_deployments_email_language_is_used(
    azurite: Azurite, tmp_path: Path
) -> None:
    world = World(azurite, OutboxDirSender(tmp_path), EMAIL_LANGUAGE="ko")
    first = world.submit(["alex@contoso.com"])
    world.app.service.deny(world.admin, first, DenyCommand())
    world.deliver_all()
    subjects = sorted(str(m["Subject"]) for m in _read_eml(tmp_path))
    assert subjects == ["거부됨: Visio Plan 2 라이선스 요청"] * 2

    # The tenant's choice wins over the deployment's (read anew after a minute).
    world.app.service.put_request_process(
        world.admin,
        RequestProcessPut.model_validate({"useOwnProcess": False, "emailLanguage": "en"}),
    )
    world.clock.advance(LANGUAGE_TTL + timedelta(seconds=1))
    second = world.submit([])
    world.app.service.deny(world.admin, second, DenyCommand())
    world.deliver_all()
    subjects = sorted(str(m["Subject"]) for m in _read_eml(tmp_path))
    assert subjects.count("Denied: license request for Visio Plan 2") == 1
