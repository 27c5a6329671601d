"""The lean wire against the SDK, on Azurite: hand-written transactions (for every kind of
operation the app uses, the same request line, conditions and body, the same rows stored,
the same failures), and reads and queries (the same entities, types and ETags)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import urllib3
from azure.core import MatchConditions
from azure.core.pipeline.transport import HttpTransport
from azure.data.tables import (
    EdmType,
    EntityProperty,
    TableClient,
    TableTransactionError,
    UpdateMode,
)

from shared import bootstrap
from shared.adapters.tables.batch import TransactionFailed, TransactionWriter, parse_response
from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.wire import TableWire
from shared.domain.errors import PayloadTooLarge
from tests.integration.conftest import settings_for
from tests.support.azurite import Azurite

VALUES: dict[str, Any] = {
    "Text": "héllo 'quoted' | piped",
    "Small": 42,
    "Big": EntityProperty(2**40, EdmType.INT64),
    "Flag": True,
    "When": datetime(2026, 11, 1, 9, 30, 15, 123000, tzinfo=UTC),
    "Ratio": 0.25,
    "Blob": b"\x00\x01binary",
    "Missing": None,
}


@pytest.fixture
def table(azurite: Azurite) -> Iterator[TableClient]:
    service = bootstrap.table_service(settings_for(azurite))
    client = service.create_table(f"tx{uuid.uuid4().hex[:12]}")
    yield client
    service.delete_table(client.table_name)


def _row(key: str, **extra: Any) -> dict[str, Any]:
    return {"PartitionKey": "p'1", "RowKey": key, **VALUES, **extra}


def _stored(table: TableClient, key: str) -> dict[str, Any]:
    entity = table.get_entity("p'1", key)
    return {
        k: (v.value, v.edm_type) if isinstance(v, EntityProperty) else v
        for k, v in entity.items()
        if k != "RowKey"
    }


def _operations(table: TableClient, key: str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """(name, operations) for each kind, on rows named after `key`; etags read live."""

    def etag(k: str) -> str:
        return str(table.get_entity("p'1", k).metadata["etag"])

    if_match = {"match_condition": MatchConditions.IfNotModified}
    return [
        ("create", [("create", _row(f"{key}c"))]),
        (
            "replace at etag",
            [
                (
                    "update",
                    _row(f"{key}u", Text="new"),
                    {"mode": UpdateMode.REPLACE, "etag": etag(f"{key}u"), **if_match},
                )
            ],
        ),
        (
            "merge at etag",
            [
                (
                    "update",
                    {"PartitionKey": "p'1", "RowKey": f"{key}m", "Small": 7},
                    {"mode": UpdateMode.MERGE, "etag": etag(f"{key}m"), **if_match},
                )
            ],
        ),
        (
            "replace unconditionally",
            [("update", _row(f"{key}r", Flag=False), {"mode": UpdateMode.REPLACE})],
        ),
        ("upsert replace", [("upsert", _row(f"{key}x", Text="up"), {"mode": UpdateMode.REPLACE})]),
        ("upsert merge", [("upsert", {"PartitionKey": "p'1", "RowKey": f"{key}y", "Small": 1})]),
        (
            "delete at etag",
            [
                (
                    "delete",
                    {"PartitionKey": "p'1", "RowKey": f"{key}d"},
                    {"etag": etag(f"{key}d"), **if_match},
                )
            ],
        ),
        ("delete unconditionally", [("delete", {"PartitionKey": "p'1", "RowKey": f"{key}e"})]),
    ]


def _seed(table: TableClient, key: str) -> None:
    for suffix in "umrxyde":
        table.create_entity(_row(f"{key}{suffix}"))


def test_every_operation_stores_what_the_sdk_stores(table: TableClient) -> None:
    writer = TransactionWriter(table)
    _seed(table, "sdk-")
    _seed(table, "own-")
    for (name, sdk_ops), (_, own_ops) in zip(
        _operations(table, "sdk-"), _operations(table, "own-"), strict=True
    ):
        table.submit_transaction(sdk_ops)
        results = writer.submit(own_ops)
        assert len(results) == 1 and 200 <= results[0].status < 300, name
        sdk_key, own_key = sdk_ops[0][1]["RowKey"], own_ops[0][1]["RowKey"]
        if name.startswith("delete"):
            assert not list(table.query_entities("RowKey eq @k", parameters={"k": own_key}))
            assert results[0].etag is None
        else:
            assert _stored(table, own_key) == _stored(table, sdk_key), name
            assert results[0].etag == table.get_entity("p'1", own_key).metadata["etag"]


class _Capture(HttpTransport):  # type: ignore[type-arg]
    """Keeps the SDK's transaction body instead of sending it."""

    body = b""

    def __enter__(self) -> _Capture:
        return self

    def __exit__(self, *_: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **_: Any) -> Any:
        _Capture.body = request.content if isinstance(request.content, bytes) else b""
        raise RuntimeError("captured")


def _requests(body: bytes) -> list[tuple[str, str, str | None, dict[str, Any] | None]]:
    """(method, url, If-Match, JSON body without Edm.String notes) of each operation."""
    found = []
    for chunk in body.decode().split("\r\n--changeset")[1:]:
        lines = chunk.split("\r\n")
        start = next((i for i, line in enumerate(lines) if " HTTP/1.1" in line), None)
        if start is None:
            continue
        method, url, _ = lines[start].split(" ")
        headers = {}
        i = start + 1
        while lines[i]:
            name, _, value = lines[i].partition(": ")
            headers[name.lower()] = value
            i += 1
        text = "\r\n".join(lines[i + 1 :]).strip()
        data = json.loads(text) if text.startswith("{") else None
        if data is not None:
            data = {k: v for k, v in data.items() if v != "Edm.String"}
        found.append((method, url, headers.get("if-match"), data))
    return found


def test_the_wire_requests_match_the_sdk_s(table: TableClient, azurite: Azurite) -> None:
    writer = TransactionWriter(table)
    _seed(table, "w-")
    capturing = TableClient.from_connection_string(
        azurite.connection_string, table.table_name, transport=_Capture()
    )
    for name, operations in _operations(table, "w-"):
        with pytest.raises(RuntimeError, match="captured"):
            capturing.submit_transaction(operations)
        sdk = _requests(_Capture.body)
        own = _requests(writer.encode(operations)[0])
        assert own == sdk, name


def test_failures_name_the_same_operation_and_code_as_the_sdk(table: TableClient) -> None:
    writer = TransactionWriter(table)
    table.create_entity(_row("taken"))
    stale = str(table.get_entity("p'1", "taken").metadata["etag"])
    table.update_entity(_row("taken", Small=1))
    cases = [
        [("create", _row("fresh")), ("create", _row("taken"))],
        [
            ("create", _row("fresh2")),
            (
                "update",
                _row("taken"),
                {
                    "mode": UpdateMode.REPLACE,
                    "etag": stale,
                    "match_condition": MatchConditions.IfNotModified,
                },
            ),
        ],
    ]
    for operations in cases:
        with pytest.raises(TableTransactionError) as sdk:
            table.submit_transaction(operations)
        with pytest.raises(TransactionFailed) as own:
            writer.submit(operations)
        assert (own.value.index, own.value.code) == (sdk.value.index, sdk.value.error_code)
    # Nothing of a failed transaction was written.
    assert not list(table.query_entities("RowKey eq @k", parameters={"k": "fresh"}))


def test_a_row_too_large_is_a_413_never_a_lost_race(table: TableClient) -> None:
    # Azurite, like Table Storage, refuses a string property over 32K UTF-16 units: no
    # retry can fix that, so it must not be taken for a race (once retried 30 times).
    writer = TransactionWriter(table)
    too_long = _row("big", Text="x" * 40_000)
    with pytest.raises(PayloadTooLarge):
        writer.submit([("create", _row("small")), ("create", too_long)])
    with pytest.raises(PayloadTooLarge):
        storage_call(table.create_entity)(too_long)
    assert not list(table.query_entities("RowKey eq @k", parameters={"k": "small"}))


def test_a_response_is_read_part_by_part() -> None:
    text = (
        "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n"
        "--changesetresponse_1\r\nContent-Type: application/http\r\n\r\n"
        'HTTP/1.1 204 No Content\r\nETag: W/"1"\r\n\r\n\r\n'
        "--changesetresponse_1\r\nContent-Type: application/http\r\n\r\n"
        "HTTP/1.1 204 No Content\r\n\r\n\r\n"
        "--changesetresponse_1--\r\n--batchresponse_1--\r\n"
    )
    assert [(p.status, p.etag) for p in parse_response(text)] == [(204, 'W/"1"'), (204, None)]


def _wire(table: TableClient) -> TableWire:
    return TableWire.for_client(table, urllib3.PoolManager())


def _plain(entity: Any) -> dict[str, Any]:
    return {
        k: (v.value, v.edm_type) if isinstance(v, EntityProperty) else v for k, v in entity.items()
    }


def test_the_wire_reads_what_the_sdk_reads(table: TableClient) -> None:
    table.create_entity(_row("read"))
    sdk = table.get_entity("p'1", "read")
    own = _wire(table).get("p'1", "read")
    assert own is not None
    assert _plain(own) == _plain(sdk)
    assert own.metadata["etag"] == sdk.metadata["etag"]
    assert _wire(table).get("p'1", "absent") is None


def test_the_wire_binds_filter_parameters_as_the_sdk_does(table: TableClient) -> None:
    for n in range(7):
        table.create_entity(_row(f"q{n}", Small=n, Flag=n % 2 == 0, Text=f"it's {n}"))
    cases: list[tuple[str, dict[str, Any]]] = [
        (
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            {"pk": "p'1", "low": "q1", "high": "q5"},
        ),
        ("PartitionKey eq @pk and Text eq @text", {"pk": "p'1", "text": "it's 3"}),
        (
            "PartitionKey eq @pk and Small ge @n and Flag eq @flag",
            {"pk": "p'1", "n": 2, "flag": True},
        ),
        ("PartitionKey eq @pk and When eq @when", {"pk": "p'1", "when": VALUES["When"]}),
    ]
    for template, parameters in cases:
        sdk = sorted(e["RowKey"] for e in table.query_entities(template, parameters=parameters))
        own = sorted(e["RowKey"] for e in _wire(table).query(template, parameters))
        assert own == sdk and own, template


def test_the_wire_follows_continuations(table: TableClient) -> None:
    for n in range(7):
        table.create_entity(_row(f"page{n}"))
    rows = list(
        _wire(table).query("PartitionKey eq @pk", {"pk": "p'1"}, select=["RowKey"], page_size=2)
    )
    assert [r["RowKey"] for r in rows] == [f"page{n}" for n in range(7)]
