"""Emails through the dev host's queue trigger: .eml outbox, and ACS with retries and poison."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient

from tests.support.api import Api, Tenant, token, unique_tenant
from tests.support.azurite import Azurite, free_port, start_azurite
from tests.support.devhost import ROOT, devhost_env, start_devhost, stop_process
from tools.acs_stub import AcsStub


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll until `check()` is truthy (background functions run on their own time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout}s: {check}")


def _emails_of(outbox: Path, request_id: str) -> list[email.message.EmailMessage]:
    found = []
    for path in outbox.glob("*.eml"):
        raw = path.read_bytes()
        if request_id.encode() not in raw:  # cheap filter: the session writes many emails
            continue
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if request_id in str(message["X-License-Requests-Key"]):
            found.append(message)
    return found  # type: ignore[return-value]


def test_an_approval_writes_one_eml_per_user_within_seconds(
    tenant: Tenant, outbox_dir: Path
) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio", ["alex@contoso.com", "lee@contoso.com"])
    tenant.admin.post(
        f"/api/requests/{made['id']}/approve",
        {"excludeUsers": ["lee@contoso.com"], "message": "Welcome aboard"},
    )
    mails = wait_for(
        lambda: (found := _emails_of(outbox_dir, made["id"])) and len(found) == 3 and found
    )
    subjects = {str(m["To"]).split("<")[-1].rstrip(">"): str(m["Subject"]) for m in mails}
    assert subjects == {
        "megan@contoso.com": "Approved: your license for Visio Plan 2",
        "alex@contoso.com": "Approved: your license for Visio Plan 2",
        "lee@contoso.com": "Not approved for you: Visio Plan 2",
    }
    # Worded for each reader, naming who asked and who decided, and linked to the request.
    texts = {
        str(m["To"]).split("<")[-1].rstrip(">"): " ".join(
            m.get_body(("plain",)).get_content().split()  # type: ignore[union-attr]
        )
        for m in mails
    }
    assert "Ada Admin approved your request for Visio Plan 2." in texts["megan@contoso.com"]
    assert (
        "Megan Bowen asked for a license for Visio Plan 2 for you, and Ada Admin approved it."
        in texts["alex@contoso.com"]
    )
    assert "Hello," in texts["lee@contoso.com"] and "not for you" in texts["lee@contoso.com"]
    link = f"/api/console/#/requests/{made['id']}"
    for mail in mails:
        html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert link in text and f'{link}">' in html
        assert made["id"] not in text.replace(link, "") + html.replace(link, "")
    time.sleep(1)
    assert len(_emails_of(outbox_dir, made["id"])) == 3, "nothing is sent twice"


# ---- ACS: the sender for Azure, against the local ACS-contract server ---------------------


class AcsHost:
    """A second dev host whose emails go to the ACS stub, with fast retries."""

    def __init__(self, base: str, stub: AcsStub, azurite: Azurite) -> None:
        self.base = base
        self.stub = stub
        self.azurite = azurite

    def queue(self, name: str) -> QueueClient:
        return QueueClient.from_connection_string(self.azurite.connection_string, name)


@pytest.fixture(scope="module")
def acs_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AcsHost]:
    # Its own Azurite, so its queue trigger never competes with the session dev host.
    azurite = start_azurite()
    root = tmp_path_factory.mktemp("acs-root")
    host_json = json.loads((ROOT / "host.json").read_text())
    host_json["extensions"]["queues"]["visibilityTimeout"] = "00:00:00.500"
    (root / "host.json").write_text(json.dumps(host_json))
    with AcsStub() as stub:
        port = free_port()
        env = devhost_env(
            azurite,
            EMAIL_SENDER="acs",
            ACS_CONNECTION_STRING=f"endpoint={stub.endpoint};accesskey={stub.access_key}",
            EMAIL_SENDER_ADDRESS="DoNotReply@contoso.com",
        )
        proc = start_devhost(env, port, root / "devhost.log", root=root)
        try:
            yield AcsHost(f"http://127.0.0.1:{port}", stub, azurite)
        finally:
            stop_process(proc)
            azurite.stop()


def _approved_request(host: AcsHost) -> tuple[Api, str]:
    tenant = unique_tenant()
    session = requests.Session()
    admin = Api(host.base, token(tenant, "admin@contoso.com", admin=True), session)
    user = Api(host.base, token(tenant, "megan@contoso.com"), session)
    assert admin.put(
        "/api/products/visio",
        {"name": "Visio", "selfServicePurchase": "blocked", "totalLicenses": 3, "servicePlans": []},
    ).ok
    request_id = user.post("/api/requests", {"productId": "visio"}).json()["id"]
    assert admin.post(f"/api/requests/{request_id}/approve", {}).status_code == 200
    return admin, request_id


def test_acs_failing_three_times_then_succeeding_sends_exactly_one_email(acs_host: AcsHost) -> None:
    acs_host.stub.reset()
    acs_host.stub.fail_next_sends(3)
    _approved_request(acs_host)
    wait_for(lambda: acs_host.stub.delivered)
    time.sleep(1.5)
    assert [d.to[0]["address"] for d in acs_host.stub.delivered] == ["megan@contoso.com"]
    assert len(acs_host.stub.sends) == 4
    send = acs_host.stub.sends[-1]
    assert send.headers["authorization"].startswith(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
    )
    assert "api-version" in send.query


def test_acs_always_failing_poisons_the_message_after_five_tries_and_keeps_the_decision(
    acs_host: AcsHost,
) -> None:
    acs_host.stub.reset()
    acs_host.stub.fail_next_sends(1000)
    admin, request_id = _approved_request(acs_host)
    poison = acs_host.queue("license-notifications-poison")
    poisoned = wait_for(lambda: list(poison.peek_messages(max_messages=32)), timeout=30)
    bodies = [json.loads(base64.b64decode(m.content)) for m in poisoned]
    assert bodies[-1]["outbox"] == f"O|{request_id}|decision"
    assert bodies[-1]["payload"]["requestId"] == request_id
    assert len(acs_host.stub.sends) == 5
    assert acs_host.stub.delivered == []
    assert admin.get(f"/api/requests/{request_id}").json()["status"] == "approved"
