"""Stored rows, queue messages and rendered emails, byte for byte, on a fixed clock.

A fixed scenario (catalogue, settings, three requests, an approval in part with a product
choice and a switched-off app, an already-licensed user, a denial) runs in-process against
Azurite with a frozen clock and deterministic ids. Every row of the tenant's partition,
every queue message and every email rendered from the outbox rows is compared with
`tests/golden/rows_and_emails.json`, captured before the code was reorganised: a change
that alters what is stored or sent fails here. `UPDATE_GOLDEN=1` rewrites the file, for a
deliberate change of format (say so in the commit).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.app.email_rendering import EmailRenderer
from shared.app.notifications import queue_message
from shared.app.ports import OutboxMessage
from shared.config import load_settings
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import (
    ProductPut,
    RequestCreate,
    RequestProcessPut,
)
from tests.support.azurite import Azurite
from tests.support.clock import FrozenClock

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "rows_and_emails.json"
TENANT = "golden-tenant"


class RecordingNotifier:
    """Keeps the queue messages the service would put, instead of putting them."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def publish(self, message: OutboxMessage, delay: float = 0) -> None:
        if delay:
            return  # a safety message (a delayed copy of the request's prefix)
        # The etag is Azurite's clock, not ours: keep where it goes, not its value.
        fixed = replace(message, etag="<etag>") if message.etag else message
        self.messages.append(queue_message(fixed))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "edm_type"):  # EntityProperty (Int64 and friends)
        return {"value": _plain(value.value), "type": str(value.edm_type)}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _rows(table: Any) -> list[dict[str, Any]]:
    rows = [
        {k: _plain(v) for k, v in sorted(entity.items())}
        for entity in table.query_entities("PartitionKey eq @pk", parameters={"pk": TENANT})
    ]
    return sorted(rows, key=lambda r: str(r["RowKey"]))


@pytest.fixture
def golden_app(
    azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[bootstrap.Container, RecordingNotifier, Any]]:
    # Request ids end with random characters: make them a fixed sequence.
    alphabet = itertools.cycle("0123456789abcdefghijklmnopqrstuv")
    monkeypatch.setattr("secrets.choice", lambda _seq: next(alphabet))
    suffix = uuid.uuid4().hex[:10]
    settings = load_settings(
        {
            "AzureWebJobsStorage": azurite.connection_string,
            # Tables of its own: the session's dev host never relays or sweeps these rows.
            "TABLE_NAME": f"golden{suffix}",
            "TENANTS_TABLE_NAME": f"goldentenants{suffix}",
        }
    )
    notifier = RecordingNotifier()
    store = bootstrap.build_store(settings)
    container = bootstrap.build(settings, clock=FrozenClock(), store=store, notifier=notifier)
    service = bootstrap.table_service(settings)
    yield container, notifier, service
    for name in (settings.table_name, settings.tenants_table_name):
        service.delete_table(name)


def _scenario(container: bootstrap.Container) -> None:
    service = container.service
    clock = container.clock
    admin = Principal(TENANT, "admin-oid", "Ada Admin", "ada@contoso.com", True)
    megan = Principal(TENANT, "megan-oid", "Megan Bowen", "megan@contoso.com", False)
    lee = Principal(TENANT, "lee-oid", "Lee Gu", "lee@contoso.com", False)
    plans = [{"id": "exchange", "name": "Exchange Online"}, {"id": "teams", "name": "Teams"}]
    service.put_product(
        admin,
        "e3",
        ProductPut.model_validate(
            {
                "name": "Office 365 E3",
                "selfServicePurchase": "blocked",
                "totalLicenses": 5,
                "servicePlans": plans,
            }
        ),
    )
    service.put_product(
        admin,
        "e5",
        ProductPut.model_validate(
            {
                "name": "Office 365 E5",
                "selfServicePurchase": "blocked",
                "totalLicenses": 10,
                "servicePlans": [*plans, {"id": "power-bi", "name": "Power BI Pro"}],
            }
        ),
    )
    service.put_request_process(
        admin,
        RequestProcessPut.model_validate(
            {
                "useOwnProcess": False,
                "message": None,
                "documentationUrl": "https://contoso.example/licenses",
                "notifyAdmins": ["it@contoso.com"],
            }
        ),
    )
    first = service.submit(
        megan,
        RequestCreate.model_validate(
            {
                "productId": "e3",
                "users": [
                    {"email": "Alex@Contoso.com", "name": "Alex Wilber"},
                    {"email": "nestor@contoso.com"},
                ],
                "justification": 'New project <starting> & "soon"',
            }
        ),
    ).request
    _tick(clock)
    second = service.submit(
        lee, RequestCreate.model_validate({"productId": "e3", "users": []})
    ).request
    _tick(clock)
    service.approve(
        admin,
        first.id,
        ApproveCommand.model_validate(
            {
                "excludeUsers": ["nestor@contoso.com"],
                "productId": "e5",
                "disabledServicePlans": ["teams"],
                "message": "Welcome aboard",
            }
        ),
    )
    _tick(clock)
    service.deny(admin, second.id, DenyCommand.model_validate({"message": "Use E5 instead"}))
    _tick(clock)
    third = service.submit(
        lee,
        RequestCreate.model_validate(
            {"productId": "e5", "users": [{"email": "alex@contoso.com", "name": "Alex"}]}
        ),
    ).request
    _tick(clock)
    service.approve(admin, third.id, ApproveCommand())
    _tick(clock)
    service.submit(megan, RequestCreate.model_validate({"productId": "e3"}))


def _tick(clock: FrozenClock) -> None:
    clock.advance(timedelta(seconds=61))


def _emails(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    rendered: dict[str, list[dict[str, Any]]] = {}
    for language in ("en", "ko"):
        renderer = EmailRenderer(language)
        for row in rows:
            key = str(row["RowKey"])
            if not key.startswith("O|"):
                continue
            emails = renderer.render(TENANT, key, json.loads(row["Payload"]))
            rendered[f"{language} {key}"] = [
                {
                    "to": e.to,
                    "toName": e.to_name,
                    "subject": e.subject,
                    "text": e.text,
                    "html": e.html,
                    "key": e.key,
                }
                for e in emails
            ]
    return rendered


def test_stored_rows_messages_and_emails_are_unchanged(
    golden_app: tuple[bootstrap.Container, RecordingNotifier, Any],
) -> None:
    container, notifier, service = golden_app
    _scenario(container)
    rows = _rows(service.get_table_client(container.settings.table_name))
    tenants = [
        {k: _plain(v) for k, v in sorted(e.items())}
        for e in service.get_table_client(container.settings.tenants_table_name).list_entities()
        # The registry; the global indexes of that table (expiry days, unqueued notices)
        # came later and are not per-tenant data.
        if e["PartitionKey"] == "tenant"
    ]
    actual = {
        "rows": rows,
        "tenants": tenants,
        "messages": notifier.messages,
        "emails": _emails(rows),
    }
    text = json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert text == expected
