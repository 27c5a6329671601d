"""The wire floor: the minimal storage calls of each operation, written by hand.

No SDK: one urllib3 PoolManager (kept warm by the rounds), the Authorization header
computed here (Shared Key Lite for the Table service: HMAC-SHA256 of `x-ms-date` and
the canonical resource; Shared Key for the Queue service), OData JSON read with
`json.loads`, the `$batch` body written by `TransactionWriter.encode` (the app's encoder;
only the body, sent raw here) and queue messages as the Queue service's XML. What each
call carries is what the app's call carries: the same rows built by the app's codec
from the same domain rules, in a tenant of the floor's own (`…floor`) so the floor and
the app never touch each other's rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import urllib3
from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, settings_codec
from shared.adapters.tables.batch import Operation, TransactionWriter
from shared.adapters.tables.keys import (
    COUNTS_KEY,
    PROCESS_KEY,
    marker_key,
    pending_key,
    product_key,
    request_key,
)
from shared.app.notifications import queue_message
from shared.app.ports import OutboxMessage
from shared.domain import rules
from shared.domain.commands import ApproveCommand
from shared.domain.models import LicenseRequest
from shared.domain.notices import decision_notice, notices_prefix

from .app import BenchTenant, Wired, setup_tenant
from .seed import PRODUCT_ID, make_request, request_rows, seed_requests

Case = Callable[[int], Callable[[], Any]]
TABLE_VERSION = "2019-02-02"
QUEUE_VERSION = "2019-02-02"
SAFETY_SECONDS = 120  # the safety message's visibility delay (shared.app.recovery)
_PART_STATUS = re.compile(rb"HTTP/1\.1 (\d{3})")

# The hand-built calls each operation's median is compared with (ratio_wire.<op>); a
# name twice is a call made twice. They are the calls the operation makes by the app's
# design, each at its minimum: submit reads the settings, product, pending-marker,
# Microsoft 365 connection (the last two absent here) and counts rows and commits 6
# (request, list row, my-requests row, marker, the named user's N| pointer, counts); get
# reads the request; list reads the settings, the counts and one 50-row page; approve
# reads the request, the counts and the catalogue (a range), puts the safety message
# (crash recovery without polling: shared.app.recovery), commits 9 operations (request,
# list row, my-requests row, marker, licence counter, 2 assignments, counts, outbox row)
# and queues the notice; deny likewise with no catalogue and 6 operations. The counts
# row is written unconditionally here (If-Match *; the app writes it at the version it
# read): the same bytes, with no etag to carry between the floor's rounds.
WIRE_FLOORS: dict[str, tuple[str, ...]] = {
    "submit": (
        "read_settings",
        "read_product",
        "read_absent",
        "read_absent",
        "read_counts",
        "batch_submit",
    ),
    "get": ("read_request",),
    "list": ("read_settings", "read_counts", "query_page"),
    "approve": (
        "read_request",
        "read_counts",
        "query_catalogue",
        "queue_put_safety",
        "batch_approve",
        "queue_put",
    ),
    "deny": ("read_request", "read_counts", "queue_put_safety", "batch_deny", "queue_put"),
}


def _connection(connection_string: str) -> dict[str, str]:
    pairs = (p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    return {k.strip(): v.strip() for k, v in pairs}


class HandWire:
    """Table reads, `$batch` posts and queue puts, each one request written by hand."""

    def __init__(self, connection_string: str, pool: urllib3.PoolManager | None = None) -> None:
        parts = _connection(connection_string)
        self.account = parts["AccountName"]
        self._key = base64.b64decode(parts["AccountKey"])
        self.table_endpoint = parts["TableEndpoint"].rstrip("/")
        self.queue_endpoint = parts["QueueEndpoint"].rstrip("/")
        self._pool = pool or urllib3.PoolManager(maxsize=4, retries=False)

    # -- Authorization ------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def _table_headers(self, url: str) -> dict[str, str]:
        """Shared Key Lite (Table service): `x-ms-date\\n/{account}{path}`."""
        date = formatdate(usegmt=True)
        signed = self._sign(f"{date}\n/{self.account}{urlsplit(url).path}")
        return {
            "x-ms-date": date,
            "x-ms-version": TABLE_VERSION,
            "DataServiceVersion": "3.0",
            "MaxDataServiceVersion": "3.0;NetFx",
            "Accept": "application/json;odata=minimalmetadata",
            "Authorization": f"SharedKeyLite {self.account}:{signed}",
        }

    def _queue_headers(self, url: str, length: int, content_type: str) -> dict[str, str]:
        """Shared Key (Queue service): the verb, the standard headers, the x-ms- headers,
        the canonical resource and its query parameters."""
        date = formatdate(usegmt=True)
        split = urlsplit(url)
        params = sorted(
            (k.lower(), unquote(v))
            for k, _, v in (p.partition("=") for p in split.query.split("&") if p)
        )
        # Content-Encoding, -Language, -Length (empty when 0), -MD5, -Type, Date (x-ms-date
        # stands in), If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range.
        standard = ["", "", str(length) if length else "", "", content_type] + [""] * 6
        text = (
            "\n".join(["POST", *standard])
            + "\n"
            + f"x-ms-date:{date}\nx-ms-version:{QUEUE_VERSION}\n"
            + f"/{self.account}{split.path}"
            + "".join(f"\n{k}:{v}" for k, v in params)
        )
        return {
            "x-ms-date": date,
            "x-ms-version": QUEUE_VERSION,
            "Content-Type": content_type,
            "Authorization": f"SharedKey {self.account}:{self._sign(text)}",
        }

    # -- calls ----------------------------------------------------------------------------

    def get(self, table: str, partition: str, row: str) -> dict[str, Any] | None:
        """A point read; None when the row is absent."""
        keys = f"PartitionKey='{_key(partition)}',RowKey='{_key(row)}'"
        url = f"{self.table_endpoint}/{table}({keys})"
        reply = self._pool.request("GET", url, headers=self._table_headers(url))
        if reply.status == 404:
            return None
        _expect(reply, 200)
        return json.loads(reply.data)  # type: ignore[no-any-return]

    def query(self, table: str, filter_: str, top: int | None = None) -> list[dict[str, Any]]:
        """One page of a query (the first: a continuation header says whether more follow)."""
        query = "$filter=" + quote(filter_, safe="")
        if top:
            query += f"&$top={top}"
        url = f"{self.table_endpoint}/{table}()?{query}"
        reply = self._pool.request("GET", url, headers=self._table_headers(url))
        _expect(reply, 200)
        return json.loads(reply.data)["value"]  # type: ignore[no-any-return]

    def batch(self, body: bytes, boundary: str) -> None:
        """One entity-group transaction; every operation must succeed."""
        url = f"{self.table_endpoint}/$batch"
        headers = {
            **self._table_headers(url),
            "Content-Type": f"multipart/mixed; boundary={boundary}",
        }
        reply = self._pool.request("POST", url, body=body, headers=headers)
        _expect(reply, 202)
        failed = [s for s in _PART_STATUS.findall(reply.data) if not s.startswith(b"2")]
        if failed:
            raise RuntimeError(f"$batch operation failed: {reply.data[:600]!r}")

    def put(self, queue: str, text: str, visibility_timeout: int = 0) -> None:
        """One queue message (base64 text, as the Functions queue trigger expects)."""
        url = f"{self.queue_endpoint}/{queue}/messages"
        if visibility_timeout:
            url += f"?visibilitytimeout={visibility_timeout}"
        encoded = base64.b64encode(text.encode("utf-8")).decode()
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f"<QueueMessage><MessageText>{encoded}</MessageText></QueueMessage>"
        ).encode()
        headers = self._queue_headers(url, len(body), "application/xml; charset=utf-8")
        _expect(self._pool.request("POST", url, body=body, headers=headers), 201)


def _key(value: str) -> str:
    return quote(value.replace("'", "''"), safe="")


def _expect(reply: Any, status: int) -> None:
    if reply.status != status:
        raise RuntimeError(f"{reply.status} (wanted {status}): {reply.data[:300]!r}")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def range_filter(tenant: str, low: str, high: str) -> str:
    """`PartitionKey eq … and RowKey gt … and RowKey lt …`, as OData text."""
    return (
        f"PartitionKey eq {_literal(tenant)} and RowKey gt {_literal(low)} "
        f"and RowKey lt {_literal(high)}"
    )


# ---- the floor's tenant and its calls --------------------------------------------------------


@dataclass
class WireFloor:
    """The floor tenant (a product, settings, 120 requests, half of them pending) and
    pending requests of its own to approve and to deny, one per round each."""

    wired: Wired
    wire: HandWire
    tenant: BenchTenant
    sample_id: str
    to_approve: list[LicenseRequest]
    to_deny: list[LicenseRequest]

    @classmethod
    def build(cls, wired: Wired, prefix: str, decisions: int, threads: int) -> WireFloor:
        tenant = setup_tenant(wired.timed, f"{prefix}floor", notify=False)
        now = datetime.now(UTC)
        common: dict[str, Any] = {"retention": wired.settings.retention_period, "threads": threads}
        background = seed_requests(
            wired.writer, tenant.id, 120, newest=now - timedelta(days=1),
            spacing=timedelta(minutes=5), pending_every=2, first_index=1_000_000, **common,
        )  # fmt: skip
        pending = seed_requests(
            wired.writer, tenant.id, 2 * decisions, newest=now - timedelta(hours=1),
            spacing=timedelta(seconds=1), pending_every=1, **common,
        )  # fmt: skip
        sample = next(s for s in background if s.request.status == "approved")
        requests = [s.request for s in pending]
        wire = HandWire(wired.env["AzureWebJobsStorage"])
        return cls(
            wired, wire, tenant, sample.request.id, requests[:decisions], requests[decisions:]
        )

    def cases(self) -> dict[str, Case]:
        """Each hand-built call once per round, named `wire.<call>`."""
        wire, tenant, admin = self.wire, self.tenant.id, self.tenant.admin
        table = self.wired.settings.table_name
        queue = self.wired.settings.notifications_queue
        retention = self.wired.settings.retention_period
        encoder = TransactionWriter(self.wired.table)  # its encode only: the body
        product_row = self.wired.table.get_entity(tenant, product_key(PRODUCT_ID))
        catalogue = {PRODUCT_ID: codec.product_from(product_row)}
        by = rules.person(admin)
        fresh = itertools.count(3_000_000)  # requesters of the floor's submits
        approving, denying = iter(self.to_approve), iter(self.to_deny)
        sample_key = request_key(self.sample_id)
        absent = marker_key(PRODUCT_ID, "nobody")
        replace = {"mode": UpdateMode.REPLACE}

        def read(row: str) -> Case:
            return lambda _i: lambda: wire.get(table, tenant, row)

        def query(low: str, high: str, top: int | None) -> Case:
            text = range_filter(tenant, low, high)
            return lambda _i: lambda: wire.query(table, text, top)

        def send(operations: list[Operation]) -> Callable[[], Any]:
            body, boundary = encoder.encode(operations)
            return lambda: wire.batch(body, boundary)

        # The counts row as the floor's writes leave it (any counts: the same size).
        counts_row = self.wired.table.get_entity(tenant, COUNTS_KEY)
        counts = settings_codec.counts_from(counts_row)
        counts_op = ("update", settings_codec.counts_entity(tenant, counts), replace)

        def batch_submit(_i: int) -> Callable[[], Any]:
            request = make_request(
                datetime.now(UTC), next(fresh), decided=False, retention=retention
            )
            # my-requests, list row, marker, the named user's pointer, request
            rows, _ = request_rows(tenant, request)
            return send([*(("create", row) for row in rows), counts_op])

        def decided_rows(request: LicenseRequest, after: LicenseRequest) -> list[Operation]:
            # What every decision changes (TableRequestStore._decision_ops).
            request_row, mine_row = codec.request_rows(tenant, after)
            return [
                ("update", request_row, replace),
                ("delete", {"PartitionKey": tenant, "RowKey": pending_key(request.id)}),
                ("update", mine_row, replace),
                ("delete", {"PartitionKey": tenant, "RowKey": _marker(request)}),
            ]

        def batch_approve(_i: int) -> Callable[[], Any]:
            request = next(approving)
            plan = rules.plan_approval(
                request, catalogue, ApproveCommand(), set(), by, datetime.now(UTC)
            )
            product = plan.product
            return send(
                [
                    *decided_rows(request, plan.request),
                    ("update", codec.counters(tenant, product), {"mode": UpdateMode.MERGE}),
                    *(
                        ("create", codec.assignment_entity(tenant, product.id, e, plan.request))
                        for e in plan.newly_assigned
                    ),
                    counts_op,
                    ("create", codec.outbox_entity(tenant, decision_notice(plan.request, product))),
                ]
            )

        def batch_deny(_i: int) -> Callable[[], Any]:
            request = next(denying)
            after = rules.plan_denial(request, None, by, datetime.now(UTC))
            notice = decision_notice(after, None)
            return send(
                [
                    *decided_rows(request, after),
                    counts_op,
                    ("create", codec.outbox_entity(tenant, notice)),
                ]
            )

        # What a decision queues: the outbox row's etag and a 2-user decision notice.
        sample = make_request(datetime.now(UTC), 0, decided=True, retention=retention)
        payload = decision_notice(sample, None).payload
        etag = "W/\"datetime'2026-11-24T12%3A00%3A00.0000000Z'\""

        def queue_put(i: int) -> Callable[[], Any]:
            text = queue_message(OutboxMessage(tenant, f"O|wire{i}|decision", etag, payload))
            return lambda: wire.put(queue, text)

        def queue_put_safety(i: int) -> Callable[[], Any]:
            text = queue_message(OutboxMessage(tenant, notices_prefix(f"wire{i}")))
            return lambda: wire.put(queue, text, SAFETY_SECONDS)

        cases: dict[str, Case] = {
            "read_request": read(sample_key),
            "read_settings": read(PROCESS_KEY),
            "read_product": read(product_key(PRODUCT_ID)),
            "read_absent": read(absent),
            "read_counts": read(COUNTS_KEY),
            "query_page": query("L|pending|", "L|pending}", 50),
            "query_catalogue": query("P|", "P}", None),
            "batch_submit": batch_submit,
            "batch_approve": batch_approve,
            "batch_deny": batch_deny,
            "queue_put": queue_put,
            "queue_put_safety": queue_put_safety,
        }
        return {f"wire.{name}": case for name, case in cases.items()}


def _marker(request: LicenseRequest) -> str:
    return marker_key(request.product_id, request.requester.id)
