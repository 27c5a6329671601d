"""Table Storage's REST protocol for the request paths, without the SDK's layers.

A point read through azure-data-tables costs about 1.5x the same request written by hand
(its pipeline of policies, its deserializer); the request paths (submit, get, list,
decide) make nothing but point reads, RowKey-range queries and entity-group
transactions, so they speak the protocol directly here: Shared Key Lite signatures (a
connection string's account key) or Entra ID bearer tokens (the app's managed identity,
cached until shortly before they expire), OData JSON with its type annotations, paging
by continuation headers, short retries, and the same errors as the SDK path.

Entities come back as the SDK returns them: a dict of properties (Edm.DateTime as an
aware datetime, Edm.Int64 as an EntityProperty) with the ETag in `.metadata["etag"]`.
The SDK stays for everything else (creating tables, single-entity writes, background
work); a contract test holds the two to the same results.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3
from azure.data.tables import EdmType, EntityProperty
from urllib3.exceptions import HTTPError

from shared.adapters import http_headers
from shared.domain.errors import StorageUnavailable

API_VERSION = "2019-02-02"
STORAGE_SCOPE = "https://storage.azure.com/.default"
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_TRIES = 3
_TIMEOUT = urllib3.Timeout(connect=5, read=20)
# A token is renewed this long before it expires.
_TOKEN_MARGIN = 300
Hook = Callable[[Any], None]


class WireEntity(dict[str, Any]):
    """An entity as the SDK gives it: its properties, and its ETag in `metadata`."""

    metadata: dict[str, Any]


@dataclass(frozen=True)
class _Call:
    """What a request hook sees (the SDK's hooks get a pipeline request with these)."""

    method: str
    url: str


@dataclass(frozen=True)
class _Hooked:
    http_request: _Call


class SharedKeyLite:
    """Shared Key Lite for the Table service: HMAC-SHA256 of the date and the resource."""

    def __init__(self, account: str, key: str) -> None:
        self._account = account
        self._key = base64.b64decode(key)

    def headers(self, url: str, date: str) -> dict[str, str]:
        """The Authorization header of a request to `url` sent at `date`."""
        resource = f"/{self._account}{urlsplit(url).path}"
        signed = hmac.new(self._key, f"{date}\n{resource}".encode(), hashlib.sha256).digest()
        signature = base64.b64encode(signed).decode()
        return {"Authorization": f"SharedKeyLite {self._account}:{signature}"}


class BearerToken:
    """Entra ID tokens for storage from a credential, kept until shortly before expiry."""

    def __init__(self, credential: Any) -> None:
        self._credential = credential
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def headers(self, url: str, date: str) -> dict[str, str]:  # noqa: ARG002 - same shape
        """The Authorization header, with a fresh token when the cached one is near its end."""
        with self._lock:
            if self._token is None or self._token[1] - _TOKEN_MARGIN < time.time():
                token = self._credential.get_token(STORAGE_SCOPE)
                self._token = (str(token.token), float(token.expires_on))
            return {"Authorization": f"Bearer {self._token[0]}"}


def literal(value: Any) -> str:
    """A value as an OData literal in a $filter (what the SDK's parameters become)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if -(2**31) <= value < 2**31 else f"{value}L"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return f"datetime'{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}'"
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


def bind(template: str, parameters: dict[str, Any]) -> str:
    """A filter template with each `@name` token replaced by its value's literal."""
    return " ".join(
        literal(parameters[word[1:]]) if word.startswith("@") else word
        for word in template.split(" ")
    )


def _datetime(text: str) -> datetime:
    whole, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micro, tzinfo=UTC)


_DATETIME, _INT64 = EdmType.DATETIME.value, EdmType.INT64.value
_BINARY, _GUID, _DOUBLE = EdmType.BINARY.value, EdmType.GUID.value, EdmType.DOUBLE.value
_TYPE_NOTE = "@odata.type"


def entity_from(data: dict[str, Any]) -> WireEntity:
    """An entity from OData JSON (minimal metadata), typed as the SDK types it."""
    entity = WireEntity()
    entity.metadata = {"etag": data.get("odata.etag")}
    for name, value in data.items():
        if name.startswith("odata.") or name.endswith(_TYPE_NOTE) or name == "Timestamp":
            continue
        kind = data.get(name + _TYPE_NOTE)
        if kind is None:
            entity[name] = value
        elif kind == _DATETIME:
            entity[name] = _datetime(value)
        elif kind == _INT64:
            entity[name] = EntityProperty(int(value), EdmType.INT64)
        elif kind == _BINARY:
            entity[name] = base64.b64decode(value)
        elif kind == _GUID:
            entity[name] = uuid.UUID(value)
        elif kind == _DOUBLE:
            entity[name] = float(value)
        else:
            entity[name] = value
    return entity


class TableWire:
    """Point reads, queries and `$batch` posts on one table, straight over HTTP."""

    @classmethod
    def for_client(cls, table: Any, pool: urllib3.PoolManager, **hooks: Hook | None) -> TableWire:
        """The wire to the table an SDK `TableClient` names, with the same credential."""
        credential = table.credential
        named = getattr(credential, "named_key", None)
        auth: SharedKeyLite | BearerToken = (
            SharedKeyLite(named.name, named.key) if named else BearerToken(credential)
        )
        return cls(table._primary_endpoint, table.table_name, auth, pool, **hooks)

    def __init__(
        self,
        endpoint: str,
        table: str,
        auth: SharedKeyLite | BearerToken,
        pool: urllib3.PoolManager,
        *,
        request_hook: Hook | None = None,
        response_hook: Hook | None = None,
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._table = table
        self._auth = auth
        self._pool = pool
        self._request_hook = request_hook
        self._response_hook = response_hook

    @property
    def batch_url(self) -> str:
        """Where transactions go."""
        return f"{self._endpoint}/$batch"

    @property
    def table_url(self) -> str:
        """The table's URL (operations inside a transaction name it)."""
        return f"{self._endpoint}/{self._table}"

    def get(self, partition: str, row: str) -> WireEntity | None:
        """One entity by its keys, or None."""
        target = f"{self.table_url}(PartitionKey='{_key(partition)}',RowKey='{_key(row)}')"
        status, _, body = self._send("GET", target)
        if status == 404:
            return None
        _check(status, body)
        return entity_from(json.loads(body))

    def query(
        self,
        template: str,
        parameters: dict[str, Any],
        *,
        select: list[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[WireEntity]:
        """The entities a parameterised filter matches, page after page."""
        query: dict[str, str] = {"$filter": bind(template, parameters)}
        if select:
            query["$select"] = ",".join(select)
        if page_size:
            query["$top"] = str(page_size)
        while True:
            url = f"{self.table_url}()?{urlencode(query, quote_via=quote, safe='$')}"
            status, headers, body = self._send("GET", url)
            _check(status, body)
            for item in json.loads(body).get("value", []):
                yield entity_from(item)
            partition = headers.get("x-ms-continuation-NextPartitionKey")
            if not partition:
                return
            query["NextPartitionKey"] = partition
            row = headers.get("x-ms-continuation-NextRowKey")
            if row:
                query["NextRowKey"] = row
            else:
                query.pop("NextRowKey", None)

    def post_batch(self, body: bytes, boundary: str) -> tuple[int, str]:
        """Send a transaction body; its status and the multipart answer."""
        status, _, text = self._send(
            "POST",
            self.batch_url,
            body,
            {
                "Content-Type": f"multipart/mixed; boundary={boundary}",
                "MaxDataServiceVersion": "3.0;NetFx",
            },
        )
        return status, text

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, Any, str]:
        hooked = _Hooked(_Call(method, url))
        if self._request_hook:
            self._request_hook(hooked)
        for attempt in range(_TRIES):
            date = formatdate(usegmt=True)
            headers = {
                "x-ms-date": date,
                "x-ms-version": API_VERSION,
                "DataServiceVersion": "3.0",
                "Accept": "application/json;odata=minimalmetadata",
                **(extra or {}),
                **self._auth.headers(url, date),
            }
            try:
                reply = self._pool.request(
                    method, url, body=body, headers=headers, timeout=_TIMEOUT, retries=False
                )
            except HTTPError as exc:
                if attempt + 1 < _TRIES:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                raise StorageUnavailable("Storage cannot be reached; try again shortly.") from exc
            if reply.status in _RETRY_STATUSES and attempt + 1 < _TRIES:
                time.sleep(0.2 * (attempt + 1))
                continue
            if self._response_hook:
                self._response_hook(hooked)
            if reply.status in _RETRY_STATUSES:
                raise StorageUnavailable("Storage is busy or failing; try again shortly.")
            return reply.status, reply.headers, reply.data.decode("utf-8")
        raise AssertionError("unreachable")  # pragma: no cover


_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()
http_headers.install()


def shared_pool() -> urllib3.PoolManager:
    """The process's one connection pool for the wire (TLS verified against certifi)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            import certifi

            _pool = urllib3.PoolManager(maxsize=64, retries=False, ca_certs=certifi.where())
        return _pool


class WireError(Exception):
    """Table Storage refused a request (a 4xx the caller did not expect)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


def _check(status: int, body: str) -> None:
    if 200 <= status < 300:
        return
    code, message = "", body[:300]
    try:
        error = json.loads(body)["odata.error"]
        code, message = str(error.get("code") or ""), str(error["message"]["value"])
    except (ValueError, KeyError, TypeError):
        pass
    raise WireError(status, code, message)


def _key(value: str) -> str:
    return quote(value.replace("'", "''"), safe="")
