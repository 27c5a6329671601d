"""Fulfilment on Azurite against the local Graph emulator: the whole path an approval of
a Microsoft 365 product takes, message by message (X11, X6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from shared import bootstrap
from shared.app.notifications import queue_message
from shared.domain.commands import ApproveCommand
from shared.domain.identity import Principal
from shared.domain.models import ProductPut, RequestCreate
from shared.domain.notices import notice_kind
from tests.integration.conftest import settings_for
from tests.support.azurite import Azurite
from tests.unit.fakes import RecordingNotifier
from tools.graph_emulator.seed import seeded_user_id
from tools.graph_emulator.server import GraphEmulator
from tools.localstack import DEV_CLIENT_ID, DEV_CLIENT_SECRET

E3_PRODUCT = "m365-enterprisepack"
VISIO_GROUP = "c3248085-d132-52c8-90bd-17decf5fdbdd"


@dataclass
class Scene:
    app: bootstrap.Container
    emulator: GraphEmulator
    notifier: RecordingNotifier
    tenant: str

    def who(self, email: str, admin: bool = False) -> Principal:
        user_id = seeded_user_id(email)
        assert user_id
        return Principal(self.tenant, user_id, email.split("@")[0].title(), email, admin)

    @property
    def admin(self) -> Principal:
        return self.who("admin@contoso.com", admin=True)

    def request(self, product: str, *others: str) -> str:
        body = {"productId": product, "users": [{"email": e} for e in others]}
        made = self.app.service.submit(
            self.who("megan@contoso.com"), RequestCreate.model_validate(body)
        )
        return made.request.id

    def approve(self, request_id: str, exclude: str | None = None) -> str:
        body = {"excludeUsers": [exclude]} if exclude else {}
        self.app.service.approve(self.admin, request_id, ApproveCommand.model_validate(body))
        [message] = [m for m in self.notifier.take() if notice_kind(m.key) == "fulfilment"]
        return queue_message(message)

    def outcomes(self, request_id: str) -> dict[str, str]:
        request = self.app.service.get_request(self.admin, request_id)
        return {u.email: u.outcome for u in request.users}

    def assign_calls(self) -> int:
        stats = self.emulator.stats()["tenants"].get(self.tenant, {})
        return int(stats.get("byKind", {}).get("assignLicense", 0))


@pytest.fixture
def scene(azurite: Azurite, tmp_path: Path) -> Iterator[Scene]:
    emulator = GraphEmulator(port=0, state_dir=tmp_path, persist=False)
    base = emulator.start()
    tenant = f"f{uuid.uuid4().hex[:12]}"
    emulator.put_tenant(emulator.tenant_doc("contoso"), tenant)
    settings = settings_for(
        azurite,
        GRAPH_BASE_URL=base,
        GRAPH_AUTHORITY_HOST=base,
        GRAPH_CA_BUNDLE=str(tmp_path / "ca-bundle.pem"),
        GRAPH_CLIENT_ID=DEV_CLIENT_ID,
        GRAPH_CLIENT_SECRET=DEV_CLIENT_SECRET,
    )
    notifier = RecordingNotifier()
    app = bootstrap.build(settings, notifier=notifier)
    scene = Scene(app, emulator, notifier, tenant)
    state = parse_qs(urlsplit(app.service.microsoft365.consent_url(scene.admin)).query)["state"]
    app.service.microsoft365.complete_consent(
        {"admin_consent": "True", "tenant": tenant, "state": state[0]}
    )
    block = ProductPut.model_validate({"selfServicePurchase": "blocked"})
    app.service.put_product(scene.admin, E3_PRODUCT, block)
    try:
        yield scene
    finally:
        emulator.stop()


def test_an_account_disabled_after_the_request_is_not_licensed(scene: Scene) -> None:
    request_id = scene.request(E3_PRODUCT, "lee@contoso.com")
    scene.emulator.put_tenant(_disabled(scene, "lee@contoso.com"), scene.tenant)
    message = scene.approve(request_id)
    assert scene.app.fulfilment().handle(message) == "done"
    request = scene.app.service.get_request(scene.admin, request_id)
    lee = next(u for u in request.users if u.email == "lee@contoso.com")
    assert lee.outcome == "failed" and lee.failure and lee.failure.code == "account_disabled"
    held = scene.emulator.user_licenses(scene.tenant, "lee@contoso.com")["assignedLicenses"]
    assert "6fd2c87f-b296-42f0-b197-1e91e994b900" not in {a["skuId"] for a in held}


def _disabled(scene: Scene, email: str) -> dict[str, object]:
    doc = scene.emulator.tenant_doc(scene.tenant)
    for user in doc["users"]:
        if user["userPrincipalName"] == email:
            user["accountEnabled"] = False
    return doc


def test_throttling_reschedules_with_retry_after_then_assigns(scene: Scene) -> None:
    request_id = scene.request(E3_PRODUCT, "lee@contoso.com")
    message = scene.approve(request_id)
    scene.emulator.add_fault("throttle", count=1, retry_after=6, tenant=scene.tenant)
    worker = scene.app.fulfilment()
    assert worker.handle(message) == "rescheduled"
    [again] = scene.notifier.notices()
    assert scene.notifier.delays == [6]  # Graph's Retry-After, not a hot loop
    assert worker.handle(queue_message(again)) == "done"
    assert scene.outcomes(request_id) == {
        "megan@contoso.com": "alreadyLicensed",  # the directory said so at submit
        "lee@contoso.com": "assigned",
    }


def test_a_redelivered_message_assigns_nobody_twice_and_sends_no_second_email(
    scene: Scene,
) -> None:
    request_id = scene.request(E3_PRODUCT, "lee@contoso.com")
    message = scene.approve(request_id)
    worker = scene.app.fulfilment()
    assert worker.handle(message) == "done"
    emails = [m for m in scene.notifier.take() if notice_kind(m.key) == "decision"]
    calls = scene.assign_calls()
    assert worker.handle(message) == "dropped"
    assert scene.assign_calls() == calls
    assert scene.notifier.take() == []
    assert len(emails) == 1


def test_group_licensing_adds_the_users_to_the_licensed_group(scene: Scene) -> None:
    visio = ProductPut.model_validate(
        {"selfServicePurchase": "blocked", "licensingGroupId": VISIO_GROUP}
    )
    scene.app.service.put_product(scene.admin, "m365-visioclient", visio)
    request_id = scene.request("m365-visioclient", "alex@contoso.com")
    message = scene.approve(request_id, exclude="alex@contoso.com")  # one Visio seat is free
    assert scene.app.fulfilment().handle(message) == "done"
    assert scene.outcomes(request_id) == {
        "megan@contoso.com": "assigned",
        "alex@contoso.com": "notAssigned",
    }
    [group] = [
        g for g in scene.emulator.tenant_doc(scene.tenant)["groups"] if g["id"] == VISIO_GROUP
    ]
    assert seeded_user_id("megan@contoso.com") in group["members"]
    licences = scene.emulator.user_licenses(scene.tenant, "megan@contoso.com")
    assert any(s.get("assignedByGroup") == VISIO_GROUP for s in licences["licenseAssignmentStates"])
