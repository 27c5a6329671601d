"""The HTTP front end: a keep-alive HTTP/1.1 server that routes requests to HTTP functions."""

from __future__ import annotations

import hmac
import http
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
from azure.functions import _abc as azf_abc

from .registry import HttpFunction
from .routing import Router

log = logging.getLogger("devhost.http")

# Azure's documented limit for a request body.
MAX_CONTENT_LENGTH = 100 * 1024 * 1024
# Kestrel's default keep-alive timeout: idle connections are dropped after it.
KEEP_ALIVE_SECONDS = 130

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_ADMIN_PATH = re.compile(r"^/admin/functions/([^/]+)/?$", re.IGNORECASE)
# Headers the server frames itself; copying the function's would corrupt the framing.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_NO_BODY_STATUSES = frozenset({204, 304})

# (function name, input text) -> whether such a non-HTTP function exists.
AdminInvoke = Callable[[str, str], bool]


class _ClientError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Reply:
    """What goes back to the client: status, headers in order (repeats allowed), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _text(status: int, message: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], message.encode())


def render_response(result: object) -> Reply:
    """Turn the func.HttpResponse an HTTP function returned into status, headers and body."""
    if not isinstance(result, azf_abc.HttpResponse):
        raise TypeError(f"an HTTP function must return func.HttpResponse, not {type(result)}")
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in result.headers.items()]
    if not any(k.lower() == "content-type" for k, _ in headers):
        mimetype = str(result.mimetype)
        content_type = (
            f"{mimetype}; charset={result.charset}" if mimetype.startswith("text/") else mimetype
        )
        headers.append(("Content-Type", content_type))
    for name, value in headers:
        if not _TOKEN.match(name) or "\r" in value or "\n" in value:
            raise ValueError(f"invalid response header {name!r}")
    return Reply(int(result.status_code), headers, result.get_body() or b"")


class HttpDispatcher:
    """Everything a request handler needs: the routes and the admin hook."""

    def __init__(
        self, router: Router[HttpFunction], admin_invoke: AdminInvoke, master_key: str
    ) -> None:
        self.router = router
        self.admin_invoke = admin_invoke
        self._master_key = master_key

    def call(self, fn: HttpFunction, request: func.HttpRequest) -> Reply:
        """Invoke an HTTP function; a failure becomes a 500, as on the real host."""
        try:
            return render_response(fn.invoke(request))
        except Exception:
            log.exception("Executed 'Functions.%s' (Failed)", fn.name)
            return _text(500, "Internal Server Error: the function failed; see the host log.")

    def admin(self, method: str, path: str, body: bytes, key: str | None) -> Reply | None:
        """Core Tools' `POST /admin/functions/<name>`: run a non-HTTP function now, for a
        caller with the master key (header `x-functions-key`), as the Functions host asks."""
        found = _ADMIN_PATH.match(path)
        # Only POST is the admin call; anything else is routed like any request.
        if found is None or method != "POST":
            return None
        if not key or not hmac.compare_digest(key.encode(), self._master_key.encode()):
            return _text(401, "The admin API needs the master key in x-functions-key.")
        text = ""
        if body.strip():
            try:
                payload: Any = json.loads(body)
            except ValueError:
                return _text(400, 'The body must be JSON like {"input": "..."}.')
            if isinstance(payload, dict):
                raw = payload.get("input", "")
                text = raw if isinstance(raw, str) else json.dumps(raw)
        if not self.admin_invoke(unquote(found.group(1)), text):
            return _text(404, "No such timer or queue function.")
        return Reply(202, [], b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks open many connections at once; the default backlog of 5 drops them.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], dispatcher: HttpDispatcher) -> None:
        self.dispatcher = dispatcher
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        # Clients hanging up mid-request are routine under load, not host errors.
        log.debug("connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "devhost"
    timeout = KEEP_ALIVE_SECONDS

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, but without this a client's
        # delayed ACK can still add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def _dispatcher(self) -> HttpDispatcher:
        return cast(_Server, self.server).dispatcher

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler looks up do_<METHOD>; every method goes through routing,
        # so an unknown verb gets the host's 404 rather than a 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise _ClientError(411, "Chunked bodies are not supported: send Content-Length.")
        length_header = self.headers.get("Content-Length", "0").strip()
        if not (length_header.isascii() and length_header.isdigit()):
            raise _ClientError(400, "Invalid Content-Length.")
        length = int(length_header)
        if length > MAX_CONTENT_LENGTH:
            raise _ClientError(413, "Request body too large.")
        body = self.rfile.read(length)
        if len(body) < length:
            raise _ClientError(400, "Request body shorter than Content-Length.")
        return body

    def _headers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return merged

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _ClientError as exc:
            # The unread body is still on the wire, so this connection cannot be reused.
            self.close_connection = True
            self._send(_text(exc.status, str(exc)))
            return
        split = urlsplit(self.path)
        # Decode everything but %2F, as ASP.NET does, so an encoded slash stays in one segment.
        path = unquote(re.sub("%2[fF]", "%252F", split.path or "/"))
        dispatcher = self._dispatcher
        admin = dispatcher.admin(self.command, path, body, self.headers.get("x-functions-key"))
        if admin is not None:
            self._send(admin)
            return
        matched = dispatcher.router.match(self.command, path)
        if matched is None:
            self._send(Reply(404, [], b""))
            return
        fn, route_params = matched
        params: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            params.setdefault(key, value)
        address = cast(tuple[Any, ...], self.server.server_address)
        host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
        target = split.path + (f"?{split.query}" if split.query else "")
        request = func.HttpRequest(
            self.command,
            f"http://{host}{target}",
            headers=self._headers(),
            params=params,
            route_params=route_params,
            body=body,
        )
        self._send(dispatcher.call(fn, request))

    def _send(self, response: Reply) -> None:
        status = response.status
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [
            f"HTTP/1.1 {status} {reason}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
        ]
        lines.extend(f"{k}: {v}" for k, v in response.headers if k.lower() not in _FRAMING_HEADERS)
        body = response.body
        if status in _NO_BODY_STATUSES or 100 <= status < 200:
            body = b""
        else:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        # One write: headers and body in the same segment keep keep-alive latency low.
        self.wfile.write(head if self.command == "HEAD" else head + body)
        self.log_request(status, len(body))


class FunctionHttpServer:
    """Serves HTTP functions on 127.0.0.1 on a background thread; `port` 0 takes a free one."""

    def __init__(self, port: int, dispatcher: HttpDispatcher) -> None:
        self._server = _Server(("127.0.0.1", port), dispatcher)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound, useful when 0 asked for any free one."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Start serving on a daemon thread; returns at once."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="devhost-http",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting connections and close the listening socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
