"""Email senders against real protocols: the ACS SDK over HTTP to a local stub, .eml files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.email.acs import AcsEmailSender, operation_id_for
from shared.adapters.email.outbox_dir import KEY_HEADER, OutboxDirSender, key_digest
from shared.app.ports import EmailSendError, OutgoingEmail
from shared.bootstrap import build_email_sender
from shared.config import Settings, SettingsError
from tools.acs_stub import AcsStub

ROOT = Path(__file__).resolve().parents[2]
SENDER = "DoNotReply@contoso.com"
ACS_ENDPOINT = "https://contoso.communication.azure.com"
KOREAN_NAME = "김민지"
KOREAN_SUBJECT = "라이선스 요청이 승인되었습니다"


def an_email(key: str = "notice-1|minji@contoso.com", **changes: Any) -> OutgoingEmail:
    fields: dict[str, Any] = {
        "to": "minji@contoso.com",
        "to_name": KOREAN_NAME,
        "subject": KOREAN_SUBJECT,
        "text": "안녕하세요 민지님,\n요청하신 라이선스가 할당되었습니다.",
        "html": "<p>안녕하세요 민지님,</p><p>요청하신 라이선스가 할당되었습니다.</p>",
        "key": key,
    }
    fields.update(changes)
    return OutgoingEmail(**fields)


@pytest.fixture
def acs() -> Iterator[AcsStub]:
    with AcsStub() as stub:
        yield stub


def acs_sender(acs: AcsStub, **client_options: Any) -> AcsEmailSender:
    client_options.setdefault("retry_total", 0)
    return AcsEmailSender(acs.client(**client_options), SENDER, polling_interval=0.01, wait=True)


def send_error(sender: AcsEmailSender, email: OutgoingEmail) -> EmailSendError:
    with pytest.raises(EmailSendError) as caught:
        sender.send(email)
    return caught.value


def sign(key: str, method: str, target: str, host: str, body: bytes) -> dict[str, str]:
    """Headers signed as the ACS docs describe (independently of the SDK and the stub)."""
    date = format_datetime(datetime.now(UTC), usegmt=True)
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    to_sign = f"{method}\n{target}\n{date};{host};{content_hash}"
    signature = base64.b64encode(
        hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": content_hash,
        "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256"
        f"&Signature={signature}",
        "Content-Type": "application/json",
    }


def raw_post(acs: AcsStub, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", acs.port, timeout=5)
    try:
        conn.request("POST", "/emails:send?api-version=2025-09-01", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


# --- ACS: the request the real SDK makes -------------------------------------------------


def test_acs_sender_sends_a_signed_request_with_the_whole_message(acs: AcsStub) -> None:
    email = an_email()
    acs_sender(acs).send(email)

    (send,) = acs.sends
    assert send.status == 202
    assert send.path == "/emails:send"
    assert send.query["api-version"] == ["2025-09-01"]
    assert re.fullmatch(
        r"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/=]+",
        send.headers["authorization"],
    )
    assert send.headers["x-ms-date"].endswith(" GMT")
    assert send.headers["x-ms-content-sha256"]
    assert send.headers["operation-id"] == operation_id_for(email.key)
    assert send.body == {
        "senderAddress": SENDER,
        "recipients": {"to": [{"address": "minji@contoso.com", "displayName": KOREAN_NAME}]},
        "content": {"subject": KOREAN_SUBJECT, "plainText": email.text, "html": email.html},
    }
    polls = [r for r in acs.requests if r.method == "GET"]
    assert polls and all(r.status == 200 for r in polls)
    (delivered,) = acs.delivered
    assert delivered.subject == KOREAN_SUBJECT
    assert delivered.to == [{"address": "minji@contoso.com", "displayName": KOREAN_NAME}]


def test_acs_sender_leaves_out_the_display_name_when_there_is_none(acs: AcsStub) -> None:
    acs_sender(acs).send(an_email(to_name=None))
    assert acs.sends[0].body["recipients"]["to"] == [{"address": "minji@contoso.com"}]


def test_the_stub_checks_signatures_exactly_as_documented(acs: AcsStub) -> None:
    message = {
        "senderAddress": SENDER,
        "recipients": {"to": [{"address": "a@contoso.com"}]},
        "content": {"subject": "s", "plainText": "t"},
    }
    body = json.dumps(message).encode()
    target = "/emails:send?api-version=2025-09-01"
    headers = sign(acs.access_key, "POST", target, acs.host, body)

    assert raw_post(acs, body, headers)[0] == 202
    tampered = body.replace(b"a@contoso.com", b"b@contoso.com")
    status, answer = raw_post(acs, tampered, headers)
    assert (status, answer["error"]["code"]) == (401, "Denied")
    other_key = base64.b64encode(b"x" * 32).decode()
    assert raw_post(acs, body, sign(other_key, "POST", target, acs.host, body))[0] == 401
    assert raw_post(acs, body, {"Content-Type": "application/json"})[0] == 401
    assert len(acs.delivered) == 1


# --- ACS: failures and how they are classified ---------------------------------------


def test_a_wrong_access_key_is_refused_and_left_for_the_queue_to_retry(acs: AcsStub) -> None:
    wrong = AcsEmailSender(
        acs.client(access_key=base64.b64encode(b"k" * 32).decode(), retry_total=0),
        SENDER,
        polling_interval=0.01,
        wait=True,
    )
    error = send_error(wrong, an_email())
    assert error.permanent is False
    assert "Denied" in str(error)
    assert [r.status for r in acs.requests] == [401]
    assert acs.delivered == []


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_busy_or_broken_service_answers_are_not_permanent(acs: AcsStub, status: int) -> None:
    acs.fail_next_sends(1, status)
    error = send_error(acs_sender(acs), an_email())
    assert error.permanent is False
    assert f"HTTP {status}" in str(error)
    assert acs.delivered == []


@pytest.mark.parametrize("status", [400, 403, 404, 413, 422])
def test_refused_messages_are_permanent(acs: AcsStub, status: int) -> None:
    acs.fail_next_sends(1, status)
    error = send_error(acs_sender(acs), an_email())
    assert error.permanent is True
    assert acs.delivered == []


def test_an_invalid_message_is_refused_by_the_stub_and_permanent(acs: AcsStub) -> None:
    error = send_error(acs_sender(acs), an_email(subject=""))
    assert error.permanent is True
    assert "BadRequest" in str(error)


def test_a_503_then_success_is_retried_by_the_sdk_with_the_same_operation_id(
    acs: AcsStub,
) -> None:
    acs.fail_next_sends(1, 503, retry_after=0)
    email = an_email()
    acs_sender(acs, retry_total=2).send(email)
    assert [r.status for r in acs.sends] == [503, 202]
    assert {r.headers["operation-id"] for r in acs.sends} == {operation_id_for(email.key)}
    assert len(acs.delivered) == 1


def test_an_operation_that_ends_failed_is_not_permanent_and_a_retry_delivers(
    acs: AcsStub,
) -> None:
    acs.fail_next_operations(1)
    sender = acs_sender(acs)
    email = an_email()
    error = send_error(sender, email)
    assert error.permanent is False
    assert "EmailSendFailed" in str(error)
    assert acs.delivered == []

    sender.send(email)
    assert len(acs.delivered) == 1


def test_operations_that_keep_running_are_polled_until_they_finish(acs: AcsStub) -> None:
    acs.set_polls_before_done(3)
    acs_sender(acs).send(an_email())
    assert len([r for r in acs.requests if r.method == "GET"]) == 4
    assert len(acs.delivered) == 1


def test_a_send_still_running_at_the_timeout_is_not_permanent(acs: AcsStub) -> None:
    acs.set_polls_before_done(10_000)
    sender = AcsEmailSender(
        acs.client(retry_total=0), SENDER, polling_interval=0.01, timeout=0.2, wait=True
    )
    error = send_error(sender, an_email())
    assert error.permanent is False
    assert "still running" in str(error)


def test_an_unreachable_service_is_not_permanent() -> None:
    with AcsStub() as stub:
        client = stub.client(retry_total=0)
    # The stub is stopped: nothing listens on its port any more.
    error = send_error(AcsEmailSender(client, SENDER, polling_interval=0.01, wait=True), an_email())
    assert error.permanent is False


def test_the_same_email_sent_twice_is_delivered_once(acs: AcsStub) -> None:
    sender = acs_sender(acs)
    email = an_email()
    sender.send(email)
    sender.send(email)
    sender.send(an_email(key="notice-1|jisoo@contoso.com", to="jisoo@contoso.com"))

    assert [r.status for r in acs.sends] == [202, 202, 202]
    first, second, other = (r.headers["operation-id"] for r in acs.sends)
    assert first == second != other
    assert [d.to[0]["address"] for d in acs.delivered] == [
        "minji@contoso.com",
        "jisoo@contoso.com",
    ]


def test_operation_ids_are_stable_uuids_per_key() -> None:
    a = operation_id_for("notice-1|minji@contoso.com")
    assert a == operation_id_for("notice-1|minji@contoso.com")
    assert a != operation_id_for("notice-2|minji@contoso.com")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", a)


def test_failures_are_logged_without_the_body_or_the_address(
    acs: AcsStub, caplog: pytest.LogCaptureFixture
) -> None:
    email = an_email(text="SECRET-TEXT-BODY", html="<p>SECRET-HTML-BODY</p>")
    acs.fail_next_sends(1, 400)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(EmailSendError):
        acs_sender(acs).send(email)
    assert "SECRET" not in caplog.text
    assert "minji@contoso.com" not in caplog.text  # nor the address inside the key
    assert operation_id_for(email.key) in caplog.text


# --- Outbox directory ------------------------------------------------------------------


def read_eml(path: Path) -> EmailMessage:
    with path.open("rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    assert isinstance(message, EmailMessage)
    return message


def unwrap(content: str) -> str:
    """A part's text without the canonical CRLF line ends and final newline MIME adds."""
    return content.replace("\r\n", "\n").removesuffix("\n")


def test_the_outbox_writes_a_parseable_eml_with_both_parts(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox" / "nested"  # created on first send
    email = an_email()
    OutboxDirSender(outbox).send(email)

    (path,) = outbox.iterdir()
    assert re.fullmatch(rf"\d{{8}}T\d{{6}}\.\d{{6}}Z-{key_digest(email.key)}\.eml", path.name)
    raw = path.read_bytes()
    assert b"\r\n" in raw  # RFC 5322 line endings
    assert KOREAN_NAME.encode() not in raw.split(b"\r\n\r\n", 1)[0]  # headers are encoded

    message = read_eml(path)
    assert message["Subject"] == KOREAN_SUBJECT
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == (KOREAN_NAME, "minji@contoso.com")
    assert message["From"].addresses[0].addr_spec == "DoNotReply@license-requests.local"
    assert message[KEY_HEADER] == email.key
    assert message["Message-ID"].startswith("<") and message["Date"].datetime.tzinfo
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    assert unwrap(text.get_content()) == email.text
    assert unwrap(html.get_content()) == email.html  # long lines travel as base64
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"


def test_the_outbox_writes_one_file_per_key_even_across_instances(tmp_path: Path) -> None:
    email = an_email()
    OutboxDirSender(tmp_path).send(email)
    OutboxDirSender(tmp_path).send(email)
    sender = OutboxDirSender(tmp_path, sender_address="noreply@example.test")
    sender.send(email)
    sender.send(an_email(key="notice-2|minji@contoso.com"))

    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2
    assert not any(n.startswith(".") for n in names)  # no temporary files left behind
    assert sender.path_for(email.key) is not None


def test_a_stored_name_or_subject_with_control_characters_is_still_sent(
    tmp_path: Path, acs: AcsStub
) -> None:
    # A name stored before names were checked: the header gets one line, the email goes out.
    email = an_email(to_name="Minji\r\nBcc: eve@example.com\x00", subject="Approved:\nVisio\x1b")
    assert (email.to_name, email.subject) == ("Minji Bcc: eve@example.com", "Approved: Visio")
    OutboxDirSender(tmp_path).send(email)
    (path,) = tmp_path.iterdir()
    message = read_eml(path)
    assert message["To"].addresses[0].display_name == "Minji Bcc: eve@example.com"
    assert message["Bcc"] is None
    acs_sender(acs).send(email)
    (delivered,) = acs.delivered
    assert delivered.to == [
        {"address": "minji@contoso.com", "displayName": "Minji Bcc: eve@example.com"}
    ]


def test_the_outbox_refuses_an_address_headers_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(EmailSendError) as caught:
        OutboxDirSender(tmp_path).send(an_email(to="not an address"))
    assert caught.value.permanent is True
    assert list(tmp_path.iterdir()) == []


# --- build_email_sender ------------------------------------------------------------------


def test_build_picks_the_outbox_with_its_directory(tmp_path: Path) -> None:
    sender = build_email_sender(
        Settings(email_sender="outbox", email_outbox_dir=str(tmp_path / "box"))
    )
    assert isinstance(sender, OutboxDirSender)
    assert sender.directory == tmp_path / "box"


def test_build_picks_acs_with_a_connection_string() -> None:
    key = base64.b64encode(b"k" * 32).decode()
    settings = Settings(
        email_sender="acs",
        email_sender_address=SENDER,
        acs_connection_string=f"endpoint=https://contoso.communication.azure.com/;accesskey={key}",
    )
    assert isinstance(build_email_sender(settings), AcsEmailSender)


def test_build_picks_acs_with_an_endpoint_and_managed_identity() -> None:
    settings = Settings(
        email_sender="acs",
        email_sender_address=SENDER,
        acs_endpoint=ACS_ENDPOINT,
        managed_identity_client_id="00000000-0000-0000-0000-000000000001",
    )
    assert isinstance(build_email_sender(settings), AcsEmailSender)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(email_sender="acs", email_sender_address=SENDER), "ACS_CONNECTION_STRING"),
        (
            Settings(email_sender="acs", email_sender_address="", acs_endpoint=ACS_ENDPOINT),
            "needs EMAIL_SENDER_ADDRESS",
        ),
        (Settings(email_sender="acs", acs_endpoint=ACS_ENDPOINT), "local placeholder"),
    ],
    ids=["no-acs-endpoint", "no-sender-address", "placeholder-sender-address"],
)
def test_build_refuses_acs_without_its_settings(settings: Settings, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        build_email_sender(settings)


def test_importing_the_senders_does_not_import_the_azure_sdks() -> None:
    code = (
        "import sys, shared.adapters.email.acs, shared.adapters.email.outbox_dir; "
        "print(sorted(m for m in sys.modules if m.startswith(('azure.', 'requests'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
