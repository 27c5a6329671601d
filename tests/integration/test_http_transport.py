"""The lean urllib3 transport: what it sends, what it returns, and the errors it raises
(the same azure-core types as RequestsTransport, which retries and the 503 mapping rely on)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.core.exceptions import (
    AzureError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

from shared import bootstrap
from shared.adapters import http_transport
from shared.adapters.http_transport import Urllib3Transport
from shared.config import load_settings
from tests.support.azurite import ACCOUNT, KEY, free_port
from tests.support.outage import SwitchableRelay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path.startswith("/slow"):
            time.sleep(1.0)
            return  # the client gave up long ago: nothing to answer
        if self.path.startswith("/cut"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = b'{"ok": true}'
        self.send_response(201, "Created")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", 'W/"1"')
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_sends_method_url_headers_and_body_and_returns_the_response(server: str) -> None:
    _Handler.seen.clear()
    request = HttpRequest(
        "POST", f"{server}/things?x=1", headers={"X-Test": "yes"}, content="héllo"
    )
    response = Urllib3Transport().send(request, connection_timeout=2, read_timeout=2)
    assert response.status_code == 201
    assert response.reason == "Created"
    assert response.headers["etag"] == 'W/"1"'  # case-insensitive, like the SDKs expect
    assert response.json() == {"ok": True}
    assert response.content == b'{"ok": true}'
    seen = _Handler.seen[-1]
    assert seen["path"] == "/things?x=1"
    assert seen["headers"]["X-Test"] == "yes"
    assert seen["body"] == "héllo".encode()


def test_connection_refused_is_a_service_request_error() -> None:
    request = HttpRequest("GET", f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(ServiceRequestError):
        Urllib3Transport().send(request, connection_timeout=2, read_timeout=2)


def test_a_slow_answer_is_a_response_timeout(server: str) -> None:
    request = HttpRequest("GET", f"{server}/slow")
    with pytest.raises(ServiceResponseTimeoutError):
        Urllib3Transport().send(request, connection_timeout=2, read_timeout=0.2)


def test_a_cut_connection_is_a_service_response_error(server: str) -> None:
    request = HttpRequest("GET", f"{server}/cut")
    with pytest.raises(ServiceResponseError):
        Urllib3Transport().send(request, connection_timeout=2, read_timeout=2)


def test_a_legacy_request_goes_through_requests(server: str) -> None:
    response = Urllib3Transport().send(LegacyHttpRequest("GET", f"{server}/legacy"))
    assert response.status_code == 201
    assert response.text() == '{"ok": true}'


def test_a_configured_proxy_keeps_the_sdk_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert http_transport.shared_transport() is None
    assert http_transport.transport_options() == {}


def test_the_apps_clients_share_one_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    shared = http_transport.shared_transport()
    assert shared is not None
    tables = bootstrap.table_service(settings)
    queue = bootstrap.queue_client(settings, "q")
    for client, read_timeout in ((tables, 20), (queue, 2)):
        timed = _transport_of(client)
        assert timed._inner is shared
        assert timed._timeouts["read_timeout"] == read_timeout  # the client's own


def test_an_sdk_call_to_a_black_holed_endpoint_ends_with_the_client_s_timeouts() -> None:
    with SwitchableRelay(target=1) as relay:
        relay.up = False
        settings = load_settings(
            {
                "AzureWebJobsStorage": f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};"
                f"AccountKey={KEY};QueueEndpoint=http://127.0.0.1:{relay.port}/{ACCOUNT};"
                f"TableEndpoint=http://127.0.0.1:{relay.port}/{ACCOUNT};"
            }
        )
        queue = bootstrap.queue_client(settings, "q")
        started = time.monotonic()
        with pytest.raises(AzureError):
            queue.create_queue()
        # Two tries of a 2 s read and a short backoff, not azure-core's default 300 s.
        assert time.monotonic() - started < 6


def _transport_of(client: Any) -> Any:
    """The transport at the end of an SDK client's pipeline."""
    transport = client._client._client._pipeline._transport
    return getattr(transport, "_transport", transport)
