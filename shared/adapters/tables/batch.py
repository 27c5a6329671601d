"""Entity-group transactions written by hand, sent through the table client's own pipeline.

The SDK builds a transaction's multipart body, and reads its answer, with the `email`
package: several milliseconds of CPU per decision, most of a submit's or an approval's
cost. This module writes the same OData batch (the `$batch` wire format of Table
Storage: one changeset of POST / PUT / PATCH / DELETE requests) directly, and parses the
multipart answer with a few string operations. The request goes through the SDK client's
own pipeline, so authentication (shared key or Entra ID), retries, the transport and
logging are the SDK's. A contract test checks, for every kind of operation the app uses,
that Azurite accepts the body and stores exactly what the SDK would.

Operations use the SDK's tuple form: ("create", entity), ("update", entity, {"mode",
"etag", "match_condition"}), ("upsert", entity, {"mode"}), ("delete", entity, {"etag",
"match_condition"}).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.rest import HttpRequest
from azure.data.tables import EdmType, EntityProperty, TableClient, UpdateMode

from shared.adapters.tables.errors import SIZE_ERRORS
from shared.adapters.tables.wire import TableWire
from shared.domain.errors import AppError, PayloadTooLarge, StorageUnavailable

log = logging.getLogger(__name__)

Operation = tuple[Any, ...]
_INT32 = range(-(2**31), 2**31)
_STATUS = re.compile(r"^HTTP/1\.1 (\d{3})")
_INDEX = re.compile(r"^(\d+):")


class TransactionFailed(Exception):
    """An operation of the transaction lost a race (another writer's row is there, or
    changed, or gone): nothing was written, and the caller may read again and retry."""

    def __init__(self, index: int, status: int, code: str, message: str) -> None:
        super().__init__(f"operation {index}: {status} {code}: {message}")
        self.index = index
        self.status = status
        self.code = code


@dataclass(frozen=True)
class PartResult:
    """The answer to one operation of a transaction that succeeded."""

    status: int
    etag: str | None

    def get(self, key: str) -> str | None:
        """Like the SDK's result mapping: `get("etag")`."""
        return self.etag if key == "etag" else None


def _value(name: str, value: Any, out: dict[str, Any]) -> None:
    """One property in OData JSON, with its type annotation where JSON cannot tell it."""
    if value is None:
        return
    if isinstance(value, EntityProperty):
        _typed(name, value.value, value.edm_type, out)
    elif isinstance(value, bool | str):
        out[name] = value
    elif isinstance(value, int):
        if value in _INT32:
            out[name] = value
        else:
            _typed(name, value, EdmType.INT64, out)
    elif isinstance(value, float):
        _typed(name, value, EdmType.DOUBLE, out)
    elif isinstance(value, datetime):
        _typed(name, value, EdmType.DATETIME, out)
    elif isinstance(value, bytes):
        _typed(name, value, EdmType.BINARY, out)
    elif isinstance(value, uuid.UUID):
        _typed(name, value, EdmType.GUID, out)
    else:
        raise TypeError(f"property {name!r} has a type Table Storage cannot hold: {type(value)}")


def _typed(name: str, value: Any, edm: EdmType | str, out: dict[str, Any]) -> None:
    edm = EdmType(edm)
    if edm == EdmType.DATETIME:
        moment = value.astimezone(UTC) if value.tzinfo else value
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    elif edm == EdmType.BINARY:
        text = base64.b64encode(value).decode()
    elif edm in (EdmType.INT64, EdmType.GUID):
        text = str(value)
    elif edm == EdmType.STRING:
        out[name] = str(value)
        return
    elif edm in (EdmType.INT32, EdmType.BOOLEAN):
        out[name] = value
        return
    else:
        text = value
    out[name] = text
    out[f"{name}@odata.type"] = edm.value


def entity_json(entity: dict[str, Any]) -> str:
    """An entity's body as Table Storage's JSON (None properties left out)."""
    out: dict[str, Any] = {}
    for name, value in entity.items():
        _value(name, value, out)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _key(value: str) -> str:
    # OData doubles a quote inside a string literal; the URL encodes the rest.
    return quote(value.replace("'", "''"), safe="")


class TransactionWriter:
    """Commits transactions on one table, over the lean wire or the SDK client's pipeline."""

    def __init__(self, table: TableClient, wire: TableWire | None = None) -> None:
        # The SDK client's own pipeline: its auth policy, retry policy and transport.
        self._pipeline = table._client._client
        self._wire = wire
        origin = f"{table.scheme}://{table._primary_hostname}"
        self._batch_url = f"{origin}/$batch"
        self._table_url = f"{origin}/{table.table_name}"
        self._version = table.api_version

    def encode(self, operations: Sequence[Operation]) -> tuple[bytes, str]:
        """The multipart body of a transaction and its boundary."""
        batch, changeset = f"batch_{uuid.uuid4()}", f"changeset_{uuid.uuid4()}"
        parts = [f"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"]
        for number, operation in enumerate(operations):
            method, url, headers, body = self._request(operation)
            data = body.encode("utf-8") if body is not None else b""
            lines = [
                f"--{changeset}",
                "Content-Type: application/http",
                "Content-Transfer-Encoding: binary",
                f"Content-ID: {number}",
                "",
                f"{method} {url} HTTP/1.1",
                f"x-ms-version: {self._version}",
                "DataServiceVersion: 3.0",
                *(f"{k}: {v}" for k, v in headers.items()),
                f"Content-Length: {len(data)}",
                "",
                body or "",
            ]
            parts.append("\r\n".join(lines) + "\r\n")
        parts.append(f"--{changeset}--\r\n\r\n--{batch}--\r\n")
        return "".join(parts).encode("utf-8"), batch

    def _request(self, operation: Operation) -> tuple[str, str, dict[str, str], str | None]:
        kind, entity = str(operation[0]).lower(), operation[1]
        options: dict[str, Any] = dict(operation[2]) if len(operation) > 2 else {}
        target = (
            f"{self._table_url}(PartitionKey='{_key(entity['PartitionKey'])}',"
            f"RowKey='{_key(entity['RowKey'])}')"
        )
        json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if kind == "create":
            headers = {**json_headers, "Prefer": "return-no-content"}
            return "POST", self._table_url, headers, entity_json(entity)
        if kind == "delete":
            return "DELETE", target, {"Accept": "application/json", **_if_match(options)}, None
        mode = UpdateMode(options.get("mode", UpdateMode.MERGE))
        method = "PUT" if mode == UpdateMode.REPLACE else "PATCH"
        if kind == "update":
            return method, target, {**json_headers, **_if_match(options)}, entity_json(entity)
        if kind == "upsert":
            return method, target, json_headers, entity_json(entity)
        raise ValueError(f"unknown transaction operation {kind!r}")

    def submit(self, operations: Sequence[Operation]) -> list[PartResult]:
        """Commit the operations as one transaction; TransactionFailed names the one that
        failed (nothing is written then)."""
        body, boundary = self.encode(operations)
        if self._wire is not None:
            status, text = self._wire.post_batch(body, boundary)
        else:
            status, text = self._post(body, boundary)
        if status != 202:
            raise not_a_race(status, "", text[:500])
        results = parse_response(text)
        for number, part in enumerate(results):
            if not 200 <= part.status < 300:
                failure = _failure(number, part)
                if failure.status not in _RACES:
                    raise not_a_race(failure.status, failure.code, str(failure))
                raise failure
        return [PartResult(p.status, p.etag) for p in results]

    def _post(self, body: bytes, boundary: str) -> tuple[int, str]:
        request = HttpRequest(
            "POST",
            self._batch_url,
            headers={
                "x-ms-version": self._version,
                "DataServiceVersion": "3.0",
                "MaxDataServiceVersion": "3.0;NetFx",
                "Content-Type": f"multipart/mixed; boundary={boundary}",
                "Accept": "application/json",
            },
            content=body,
        )
        # Streamed and read here: the pipeline would try to decode a multipart answer.
        response = self._pipeline.send_request(request, stream=True)
        response.read()
        return response.status_code, response.text()


@dataclass(frozen=True)
class _Part:
    status: int
    etag: str | None
    body: str


def parse_response(text: str) -> list[_Part]:
    """The operations' answers in a `$batch` response (in order)."""
    parts: list[_Part] = []
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    i = 0
    while i < len(lines):
        match = _STATUS.match(lines[i])
        if not match:
            i += 1
            continue
        status, etag = int(match.group(1)), None
        i += 1
        while i < len(lines) and lines[i]:
            name, _, value = lines[i].partition(":")
            if name.strip().lower() == "etag":
                etag = value.strip()
            i += 1
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith("--"):
            body.append(lines[i])
            i += 1
        parts.append(_Part(status, etag, "\n".join(body).strip()))
    return parts


# Another writer got there first: the row exists (409), changed (412) or went (404).
_RACES = frozenset({404, 409, 412})


def not_a_race(status: int, code: str, detail: str) -> AppError:
    """A refusal no retry can fix, as the app's error: a row too large is a 413 (never a
    lost race, retried until "too many concurrent changes"); anything else a 503."""
    if status == 413 or code in SIZE_ERRORS:
        return PayloadTooLarge("This is more than storage can hold in one request.")
    log.error("storage refused a transaction: %s %s %s", status, code, detail[:300])
    return StorageUnavailable("Storage is busy or failing; try again shortly.")


def _failure(number: int, part: _Part) -> TransactionFailed:
    code, message, index = "", part.body, number
    try:
        error = json.loads(part.body)["odata.error"]
        code = str(error.get("code") or "")
        message = str((error.get("message") or {}).get("value") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    # A failed changeset answers once, its message saying which operation ("3:...").
    found = _INDEX.match(message)
    if found:
        index = int(found.group(1))
    return TransactionFailed(index, part.status, code, message)


def _if_match(options: dict[str, Any]) -> dict[str, str]:
    etag = options.get("etag")
    if etag and options.get("match_condition") == MatchConditions.IfNotModified:
        return {"If-Match": str(etag)}
    return {"If-Match": "*"}
