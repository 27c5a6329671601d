"""The programmatic API: DevHost(app, root, host, port) in-process, on its own small apps."""

from __future__ import annotations

import base64
import logging
import socket
import threading
import uuid
from pathlib import Path

import azure.functions as func
import pytest
import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from tools.devhost import DevHost, DevHostError
from tools.devhost.tests.conftest import wait_until, write_root
from tools.localstack import Azurite


def test_start_stop_on_any_free_port(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="hello/{name}", methods=["GET"])
    def hello(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"hello {req.route_params['name']}")

    @app.route(route="out")
    @app.queue_output(arg_name="out", queue_name="q", connection="AzureWebJobsStorage")
    def with_output(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        return func.HttpResponse("never hosted")

    caplog.set_level(logging.WARNING, logger="devhost")
    host = DevHost(app, write_root(tmp_path), port=0, environ={})
    with host:
        assert host.port != 0
        assert host.describe() == [f"hello: httpTrigger [GET] {host.url}/api/hello/{{name}}"]
        assert requests.get(f"{host.url}/api/hello/world", timeout=5).text == "hello world"
        assert requests.get(f"{host.url}/api/out", timeout=5).status_code == 404
    assert any("with_output" in w and "not supported" in w for w in host.warnings)
    assert "with_output" in caplog.text
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{host.url}/api/hello/world", timeout=2)


def test_parameter_name_mismatch_is_refused(tmp_path: Path) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    # The decorator names the trigger binding `req`; the worker would refuse this function.
    @app.route(route="bad")
    def bad(request: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("unreachable")

    with pytest.raises(DevHostError, match="'req'"):
        DevHost(app, write_root(tmp_path), port=0, environ={})


@pytest.mark.parametrize("feature", ["context", "async"])
def test_functions_the_host_cannot_call_are_refused(tmp_path: Path, feature: str) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    if feature == "context":

        @app.route(route="ctx")
        def with_context(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
            return func.HttpResponse("unreachable")

    else:

        @app.route(route="later")
        async def coroutine(req: func.HttpRequest) -> func.HttpResponse:
            return func.HttpResponse("unreachable")

    with pytest.raises(DevHostError, match=feature):
        DevHost(app, write_root(tmp_path), port=0, environ={})


def test_a_failing_timer_keeps_its_schedule(tmp_path: Path) -> None:
    app = func.FunctionApp()
    runs: list[bool] = []

    @app.timer_trigger(schedule="* * * * * *", arg_name="timer")
    def flaky(timer: func.TimerRequest) -> None:
        runs.append(timer.past_due)
        raise RuntimeError("every run fails")

    with DevHost(app, write_root(tmp_path), port=0, environ={}):
        wait_until(lambda: len(runs) >= 2, 5, "two timer runs")


@pytest.mark.e2e
def test_over_dequeued_message_goes_straight_to_poison(azurite: Azurite, tmp_path: Path) -> None:
    queue_name = f"over-{uuid.uuid4().hex[:10]}"
    client = QueueClient.from_connection_string(azurite.connection_string, queue_name)
    client.create_queue()
    text = base64.b64encode(b"too many tries").decode()
    client.send_message(text)
    # Receive it four times (dequeue count 4 > maxDequeueCount 3) without settling it.
    for _ in range(4):
        (message,) = list(client.receive_messages(max_messages=1, visibility_timeout=30))
        client.update_message(message.id, pop_receipt=message.pop_receipt, visibility_timeout=0)

    app = func.FunctionApp()
    called = threading.Event()

    @app.queue_trigger(arg_name="msg", queue_name="%Q%", connection="Storage")
    def never(msg: func.QueueMessage) -> None:
        called.set()

    environ = {"Q": queue_name, "Storage": azurite.connection_string}
    with DevHost(app, write_root(tmp_path), port=0, environ=environ) as host:
        assert host.describe() == [f"never: queueTrigger queue {queue_name} (connection Storage)"]
        poison = QueueClient.from_connection_string(
            azurite.connection_string, f"{queue_name}-poison"
        )

        def poisoned() -> list[str]:
            try:
                return [m.content for m in poison.peek_messages(max_messages=5)]
            except ResourceNotFoundError:  # the host has not created it yet
                return []

        assert wait_until(poisoned, 10, "message on the poison queue") == [text]
    assert not called.is_set()
    assert client.get_queue_properties().approximate_message_count == 0


def test_missing_connection_setting_fails_at_start(tmp_path: Path) -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="jobs", connection="JobsStorage")
    def job(msg: func.QueueMessage) -> None:
        pass

    host = DevHost(app, write_root(tmp_path), port=0, environ={})
    with pytest.raises(DevHostError, match="'JobsStorage'"):
        host.start()
    host.stop()


def _raw_exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes; read until the server closes (every request here asks it to)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_http_edge_cases(tmp_path: Path) -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="any/{*rest}")
    def anything(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"{req.method} {req.route_params.get('rest')}")

    @app.route(route="nothing")
    def nothing(req: func.HttpRequest) -> func.HttpResponse:
        return None  # type: ignore[return-value]  # the worker fails this invocation

    @app.route(route="empty")
    def empty(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    with DevHost(app, write_root(tmp_path), port=0, environ={}) as host:
        close = b"Host: t\r\nConnection: close\r\n"
        head = _raw_exchange(host.port, b"HEAD /api/any/x HTTP/1.1\r\n" + close + b"\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"Content-Length: 6\r\n" in head  # len("HEAD x")
        assert head.endswith(b"\r\n\r\n")  # no body after the headers

        # ASP.NET keeps %2F encoded so it cannot split a segment; so does the dev host.
        slash = _raw_exchange(host.port, b"PURGE /api/any/a%2Fb%20c HTTP/1.1\r\n" + close + b"\r\n")
        assert slash.endswith(b"PURGE a%2Fb c")

        bad_length = _raw_exchange(
            host.port, b"POST /api/any/x HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n"
        )
        assert bad_length.startswith(b"HTTP/1.1 400 ")
        assert b"Connection: close" in bad_length

        too_big = _raw_exchange(
            host.port,
            b"POST /api/any/x HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999999\r\n\r\n",
        )
        assert too_big.startswith(b"HTTP/1.1 413 ")

        chunked = _raw_exchange(
            host.port,
            b"POST /api/any/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n",
        )
        assert chunked.startswith(b"HTTP/1.1 411 ")
        assert b"Connection: close" in chunked

        assert requests.get(f"{host.url}/api/nothing", timeout=5).status_code == 500
        no_content = _raw_exchange(host.port, b"GET /api/empty HTTP/1.1\r\n" + close + b"\r\n")
        assert no_content.startswith(b"HTTP/1.1 204 ")
        assert b"Content-Length" not in no_content
        assert no_content.endswith(b"\r\n\r\n")
