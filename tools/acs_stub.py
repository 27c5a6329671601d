"""A local stand-in for the Azure Communication Services Email REST API.

Speaks the contract the real `azure-communication-email` SDK uses:

* ``POST /emails:send?api-version=...`` signed with HMAC-SHA256 (checked exactly as ACS
  does: the string ``VERB\\n/path?query\\n{x-ms-date};{host};{x-ms-content-sha256}``
  signed with the base64-decoded access key, and the body's SHA-256 must match
  ``x-ms-content-sha256``) -> ``202`` with ``Operation-Location``;
* ``GET /emails/operations/{id}?api-version=...`` -> ``200 {"id", "status"}``.

The ``Operation-Id`` request header makes a send idempotent, like the service: a second
send with the same id answers with the existing operation and delivers nothing new.
(Assumption: a send whose earlier operation *Failed* is carried out again.)

Tests program failures with `fail_next_sends` (e.g. 503, 400) and `fail_next_operations`
(the operation ends ``Failed``). The handler is lean and silent so a benchmark can push
hundreds of sends per second through it over keep-alive connections.

    with AcsStub() as acs:
        client = acs.client(retry_total=0)
        client.begin_send(message, operation_id=..., polling_interval=0.01).result()
        assert len(acs.delivered) == 1
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from azure.communication.email import EmailClient

SEND_PATH = "/emails:send"
OPERATIONS_PREFIX = "/emails/operations/"
DATE_SKEW = timedelta(minutes=15)  # ACS refuses x-ms-date further off than this


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stub received (headers with lower-case names)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any  # parsed JSON, or None
    status: int  # what the stub answered


@dataclass(frozen=True)
class DeliveredEmail:
    """One email the stub accepted and "delivered" (once per Operation-Id)."""

    operation_id: str
    sender: str
    to: list[dict[str, str]]
    subject: str
    plain_text: str | None
    html: str | None
    message: dict[str, Any]


@dataclass
class _Operation:
    id: str
    status: str  # Running | Succeeded | Failed
    final: str  # the status the operation ends with
    polls_left: int
    error: dict[str, Any] | None = None


@dataclass
class _Failure:
    status: int
    code: str
    message: str
    retry_after: int | None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    delivered: list[DeliveredEmail] = field(default_factory=list)
    operations: dict[str, _Operation] = field(default_factory=dict)
    send_failures: deque[_Failure] = field(default_factory=deque)
    failing_operations: int = 0
    failure_code: str = "EmailSendFailed"
    polls_before_done: int = 0
    record: bool = True


class AcsStub:
    """The ACS Email stub on 127.0.0.1 (free port), served from a background thread."""

    def __init__(self, *, access_key: str | None = None, record_requests: bool = True) -> None:
        self.access_key = access_key or base64.b64encode(secrets.token_bytes(32)).decode()
        self._key_bytes = base64.b64decode(self.access_key)
        self._state = _State(record=record_requests)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> AcsStub:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.stub = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AcsStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("AcsStub is not started")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:P`` (pass it with the key to `EmailClient`, see `client`)."""
        return f"http://{self.host}"

    @property
    def connection_string(self) -> str:
        """ACS-style connection string. NB: `EmailClient.from_connection_string` rewrites
        the endpoint to https, so it cannot reach this stub; use `client()` instead."""
        return f"endpoint={self.endpoint}/;accesskey={self.access_key}"

    def client(self, *, access_key: str | None = None, **kwargs: Any) -> EmailClient:
        """A real SDK `EmailClient` for this stub (kwargs go to the client, e.g. retry_total)."""
        from azure.communication.email import EmailClient
        from azure.core.credentials import AzureKeyCredential

        return EmailClient(
            self.endpoint, AzureKeyCredential(access_key or self.access_key), **kwargs
        )

    # -- what happened -----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def sends(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == SEND_PATH]

    @property
    def delivered(self) -> list[DeliveredEmail]:
        with self._state.lock:
            return list(self._state.delivered)

    def reset(self) -> None:
        """Forget requests, deliveries, operations and programmed failures."""
        s = self._state
        with s.lock:
            s.requests.clear()
            s.delivered.clear()
            s.operations.clear()
            s.send_failures.clear()
            s.failing_operations = 0
            s.polls_before_done = 0

    # -- programmed behaviour ----------------------------------------------------------

    def fail_next_sends(
        self,
        count: int = 1,
        status: int = 503,
        *,
        code: str | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `count` authorized sends answer `status` with an ACS error body."""
        default_code = {400: "BadRequest", 404: "NotFound", 429: "TooManyRequests"}
        failure = _Failure(
            status,
            code or default_code.get(status, "ServiceUnavailable" if status >= 500 else "Error"),
            message or f"Stub failure {status}",
            retry_after,
        )
        with self._state.lock:
            self._state.send_failures.extend([failure] * count)

    def fail_next_operations(self, count: int = 1, *, code: str = "EmailSendFailed") -> None:
        """The operations of the next `count` accepted sends end ``Failed`` with `code`."""
        with self._state.lock:
            self._state.failing_operations += count
            self._state.failure_code = code

    def set_polls_before_done(self, polls: int) -> None:
        """Operations answer ``Running`` to this many status polls before finishing."""
        with self._state.lock:
            self._state.polls_before_done = polls

    # -- request handling (called from server threads) ---------------------------------

    def signature_error(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> str | None:
        """Why the request's HMAC authorization is invalid, or None when it is valid."""
        auth = headers.get("authorization", "")
        scheme, _, params_text = auth.partition(" ")
        if scheme != "HMAC-SHA256":
            return "missing or unsupported Authorization scheme"
        params = dict(p.partition("=")[::2] for p in params_text.split("&"))
        signed = params.get("SignedHeaders", "").split(";")
        given = params.get("Signature", "")
        if signed != ["x-ms-date", "host", "x-ms-content-sha256"] or not given:
            return "SignedHeaders must be x-ms-date;host;x-ms-content-sha256"
        content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("x-ms-content-sha256") != content_hash:
            return "x-ms-content-sha256 does not match the body"
        date = headers.get("x-ms-date", "")
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return "x-ms-date is missing or malformed"
        if when.tzinfo is None or abs(datetime.now(UTC) - when) > DATE_SKEW:
            return "x-ms-date is outside the allowed clock skew"
        to_sign = f"{method}\n{target}\n{date};{headers.get('host', '')};{content_hash}"
        expected = base64.b64encode(
            hmac.new(self._key_bytes, to_sign.encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(expected, given):
            return "signature mismatch"
        return None

    def record_request(self, request: RecordedRequest) -> None:
        if self._state.record:
            with self._state.lock:
                self._state.requests.append(request)

    def handle_send(self, operation_id: str | None, message: Any) -> tuple[int, Any, int | None]:
        """(status, JSON body, retry-after) for an authorized send."""
        s = self._state
        with s.lock:
            if s.send_failures:
                f = s.send_failures.popleft()
                return f.status, _error(f.code, f.message), f.retry_after
            problem = _invalid_message(message)
            if problem:
                return 400, _error("BadRequest", problem), None
            op_id = operation_id or str(uuid.uuid4())
            existing = s.operations.get(op_id)
            if existing is not None and existing.final != "Failed":
                return 202, {"id": op_id, "status": existing.status}, 0
            final = "Succeeded"
            if s.failing_operations > 0:
                s.failing_operations -= 1
                final = "Failed"
            op = _Operation(op_id, "Running", final, s.polls_before_done)
            if final == "Failed":
                op.error = _error(s.failure_code, "Stub: the send operation failed")["error"]
            s.operations[op_id] = op
            if final == "Succeeded":
                content = message["content"]
                s.delivered.append(
                    DeliveredEmail(
                        operation_id=op_id,
                        sender=message["senderAddress"],
                        to=list(message["recipients"].get("to", [])),
                        subject=content.get("subject", ""),
                        plain_text=content.get("plainText"),
                        html=content.get("html"),
                        message=message,
                    )
                )
            return 202, {"id": op_id, "status": "Running"}, 0

    def handle_status(self, op_id: str) -> tuple[int, Any]:
        s = self._state
        with s.lock:
            op = s.operations.get(op_id)
            if op is None:
                return 404, _error("NotFound", f"Operation {op_id} not found")
            if op.status == "Running":
                if op.polls_left > 0:
                    op.polls_left -= 1
                else:
                    op.status = op.final
            body: dict[str, Any] = {"id": op.id, "status": op.status}
            if op.status == "Failed" and op.error:
                body["error"] = op.error
            return 200, body


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _invalid_message(message: Any) -> str | None:
    if not isinstance(message, dict):
        return "The request body must be a JSON EmailMessage"
    if not isinstance(message.get("senderAddress"), str) or "@" not in message["senderAddress"]:
        return "senderAddress is required"
    recipients = message.get("recipients")
    if not isinstance(recipients, dict):
        return "recipients is required"
    every = [r for part in ("to", "cc", "bcc") for r in recipients.get(part) or []]
    if not every or not all(isinstance(r, dict) and "@" in str(r.get("address")) for r in every):
        return "recipients must hold at least one valid address"
    content = message.get("content")
    if not isinstance(content, dict) or not content.get("subject"):
        return "content.subject is required"
    if not content.get("plainText") and not content.get("html"):
        return "content needs plainText or html"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive handler threads must not delay stop()
    request_queue_size = 512
    stub: AcsStub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK pools connections
    disable_nagle_algorithm = True
    timeout = 30  # idle keep-alive connections close eventually
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, method: str) -> None:
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None

        status: int
        payload: Any
        extra: dict[str, str] = {}
        denied = stub.signature_error(method, self.path, headers, raw)
        if denied is not None:
            status, payload = 401, _error("Denied", f"Denied by the resource provider: {denied}")
        elif "api-version" not in query:
            status, payload = 400, _error("MissingApiVersionParameter", "api-version is required")
        elif method == "POST" and parts.path == SEND_PATH:
            op_header = headers.get("operation-id")
            status, payload, retry_after = stub.handle_send(op_header, body)
            if retry_after is not None:
                extra["Retry-After"] = str(retry_after)
            if status == 202:
                api = query["api-version"][0]
                extra["Operation-Location"] = (
                    f"{stub.endpoint}{OPERATIONS_PREFIX}{payload['id']}?api-version={api}"
                )
                extra["operation-id"] = payload["id"]
        elif method == "GET" and parts.path.startswith(OPERATIONS_PREFIX):
            status, payload = stub.handle_status(parts.path[len(OPERATIONS_PREFIX) :])
            if payload.get("status") == "Running":
                extra["Retry-After"] = "0"
        else:
            status, payload = 404, _error("NotFound", f"No route for {method} {parts.path}")

        stub.record_request(RecordedRequest(method, parts.path, query, headers, body, status))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", headers.get("x-ms-client-request-id", ""))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
