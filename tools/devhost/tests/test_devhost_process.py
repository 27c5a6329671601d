"""The dev host as a subprocess serving toy_app.py over HTTP, timers and Azurite queues."""

from __future__ import annotations

import base64
import http.client
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from azure.storage.queue import QueueClient

from tools.devhost.tests.conftest import (
    HostProcess,
    clean_env,
    launch,
    read_records,
    start_host,
    wait_until,
    write_root,
)
from tools.localstack import Azurite

pytestmark = pytest.mark.e2e


@dataclass
class ToyHost:
    """The module's running host plus where its toy functions write."""

    process: HostProcess
    queue_name: str
    timer_file: Path
    queue_file: Path
    connection_string: str

    @property
    def url(self) -> str:
        return self.process.base_url

    def queue(self, name: str | None = None) -> QueueClient:
        # No encode policy: the test decides exactly what text goes on the queue.
        return QueueClient.from_connection_string(self.connection_string, name or self.queue_name)

    def send_base64(self, text: str) -> None:
        self.queue().send_message(base64.b64encode(text.encode()).decode())

    def records_for(self, body: str) -> list[dict[str, object]]:
        return [r for r in read_records(self.queue_file) if r["body"] == body]


MASTER_KEY = "toy-master-key-for-tests"


def toy_env(azurite: Azurite, tmp: Path, **extra: str) -> dict[str, str]:
    """Everything the toy app's bindings need."""
    values = {
        "AzureWebJobsStorage": azurite.connection_string,
        "TOY_SCHEDULE": "* * * * * *",
        "TOY_QUEUE": f"toy-{uuid.uuid4().hex[:10]}",
        "TOY_TIMER_FILE": str(tmp / "timer.jsonl"),
        "TOY_QUEUE_FILE": str(tmp / "queue.jsonl"),
        "TOY_OVERRIDDEN": "from-env",
        "DEVHOST_MASTER_KEY": MASTER_KEY,
    }
    values.update(extra)
    return clean_env(**values)


@pytest.fixture(scope="module")
def toy(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToyHost]:
    tmp = tmp_path_factory.mktemp("devhost")
    root = write_root(
        tmp / "root",
        {"Values": {"TOY_FROM_SETTINGS": "from-file", "TOY_OVERRIDDEN": "from-file"}},
    )
    env = toy_env(azurite, tmp)
    host = start_host(root, env)
    try:
        yield ToyHost(
            host,
            env["TOY_QUEUE"],
            Path(env["TOY_TIMER_FILE"]),
            Path(env["TOY_QUEUE_FILE"]),
            azurite.connection_string,
        )
    finally:
        host.stop()


# Start-up


def test_start_lists_functions_then_listening_line(toy: ToyHost) -> None:
    lines = toy.process.log().splitlines()
    listed = [line.strip() for line in lines if line.startswith("  ")]
    listening = lines.index(f"devhost listening on http://127.0.0.1:{toy.process.port}")
    assert lines[listening - len(listed) : listening] == [f"  {line}" for line in listed]
    assert f"item: httpTrigger [GET] {toy.url}/api/items/{{id}}" in listed
    assert f"request_by_id: httpTrigger [*] {toy.url}/api/requests/{{id}}" in listed
    assert "tick: timerTrigger schedule * * * * * * (from %TOY_SCHEDULE%)" in listed
    assert f"work: queueTrigger queue {toy.queue_name} (connection AzureWebJobsStorage)" in listed
    assert not any("unsupported_blob" in line for line in listed)


def test_unsupported_trigger_is_warned_about_and_skipped(toy: ToyHost) -> None:
    log = toy.process.log()
    assert "unsupported_blob" in log
    assert "blobTrigger" in log


def test_local_settings_fill_missing_values_but_environment_wins(toy: ToyHost) -> None:
    data = requests.get(f"{toy.url}/api/settings", timeout=5).json()
    assert data == {"TOY_FROM_SETTINGS": "from-file", "TOY_OVERRIDDEN": "from-env"}


# Routing


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/items/42", {"kind": "item", "route_params": {"id": "42"}}),
        ("GET", "/API/Items/7/", {"kind": "item", "route_params": {"id": "7"}}),
        ("GET", "/api/requests/mine", {"kind": "mine"}),
        ("GET", "/api/requests/17", {"kind": "by-id", "route_params": {"id": "17"}}),
        # The literal route is GET-only, so a POST falls through to the parameter route.
        ("POST", "/api/requests/mine", {"kind": "by-id", "route_params": {"id": "mine"}}),
        ("GET", "/api/files", {"route_params": {}}),
        ("GET", "/api/files/", {"route_params": {}}),
        ("GET", "/api/files/a/b/c.txt", {"route_params": {"path": "a/b/c.txt"}}),
        ("GET", "/api/files/with%20space", {"route_params": {"path": "with space"}}),
    ],
)
def test_routes(toy: ToyHost, method: str, path: str, expected: dict[str, object]) -> None:
    response = requests.request(method, toy.url + path, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json() == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/items/42"),  # no route prefix
        ("DELETE", "/api/items/42"),  # method not allowed: the host says 404, not 405
        ("GET", "/api/nowhere"),
        ("GET", "/api/items/1/2"),
    ],
)
def test_unmatched_requests_are_404(toy: ToyHost, method: str, path: str) -> None:
    assert requests.request(method, toy.url + path, timeout=5).status_code == 404


# Requests and responses


def test_body_headers_query_and_url_reach_the_function(toy: ToyHost) -> None:
    body = bytes(range(256))
    response = requests.put(
        f"{toy.url}/api/echo/t1?x=1&x=2&empty=",
        data=body,
        headers={"X-Test": "hello", "Content-Type": "application/octet-stream"},
        timeout=5,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["method"] == "PUT"
    assert data["url"] == f"{toy.url}/api/echo/t1?x=1&x=2&empty="
    assert data["params"] == {"x": "1", "empty": ""}
    assert data["route_params"] == {"tag": "t1"}
    assert data["x_test"] == "hello"
    assert data["content_type"] == "application/octet-stream"
    assert base64.b64decode(data["body_b64"]) == body


def test_chunked_request_body_is_refused(toy: ToyHost) -> None:
    response = requests.post(f"{toy.url}/api/echo/c", data=iter([b"first-", b"second"]), timeout=5)
    assert response.status_code == 411


def test_raising_function_gives_500_and_logs_traceback(toy: ToyHost) -> None:
    response = requests.get(f"{toy.url}/api/boom", timeout=5)
    assert response.status_code == 500
    assert response.text
    wait_until(lambda: "RuntimeError: boom from toy app" in toy.process.log(), 5, "traceback")


def test_status_headers_and_mimetype_come_back(toy: ToyHost) -> None:
    response = requests.post(f"{toy.url}/api/created", timeout=5)
    assert response.status_code == 201
    assert response.headers["X-Custom"] == "yes"
    assert response.headers["Location"] == "/api/items/1"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"ok": True}


def test_text_gets_its_charset(toy: ToyHost) -> None:
    response = requests.get(f"{toy.url}/api/text", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "plain words"


def test_keep_alive_serves_many_requests_on_one_connection(toy: ToyHost) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", toy.process.port, timeout=5)
    try:
        first_socket = None
        for n in range(200):
            path = "/api/items/1" if n % 3 else "/api/missing"
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == (200 if n % 3 else 404)
            assert response.getheader("Connection") != "close"
            first_socket = first_socket or connection.sock
        # http.client silently reconnects when the server closes; it never had to.
        assert connection.sock is first_socket
    finally:
        connection.close()


def test_admin_endpoint_runs_a_queue_function_now(toy: ToyHost) -> None:
    body = f"admin-{uuid.uuid4()}"
    key = {"x-functions-key": MASTER_KEY}
    response = requests.post(
        f"{toy.url}/admin/functions/work", json={"input": body}, headers=key, timeout=5
    )
    assert response.status_code == 202
    wait_until(lambda: toy.records_for(body), 5, "admin-triggered invocation")
    missing = requests.post(f"{toy.url}/admin/functions/nope", json={}, headers=key, timeout=5)
    assert missing.status_code == 404


def test_admin_endpoint_refuses_a_caller_without_the_master_key(toy: ToyHost) -> None:
    # A web page could send a no-cors POST here: without the key, nothing runs.
    body = f"nokey-{uuid.uuid4()}"
    for headers in ({}, {"x-functions-key": "wrong"}):
        response = requests.post(
            f"{toy.url}/admin/functions/work", json={"input": body}, headers=headers, timeout=5
        )
        assert response.status_code == 401
    time.sleep(1)
    assert not toy.records_for(body)


# Timer


def test_timer_fires_on_schedule_resolved_from_setting(toy: ToyHost) -> None:
    runs = wait_until(lambda: len(read_records(toy.timer_file)) >= 2, 6, "two timer runs")
    assert runs
    assert all(r["past_due"] is False for r in read_records(toy.timer_file))


# Queue


def _queue_count(client: QueueClient) -> int:
    return client.get_queue_properties().approximate_message_count or 0


def test_queue_message_is_processed_and_deleted(toy: ToyHost) -> None:
    body = f"ok-{uuid.uuid4()}"
    toy.send_base64(body)
    records = wait_until(lambda: toy.records_for(body), 10, "queue invocation")
    assert records[0]["dequeue_count"] == 1
    wait_until(lambda: _queue_count(toy.queue()) == 0, 10, "message deleted")
    assert len(toy.records_for(body)) == 1


def test_non_base64_message_is_delivered_as_raw_text(toy: ToyHost) -> None:
    body = f"not base64! {uuid.uuid4()}"
    toy.queue().send_message(body)
    wait_until(lambda: toy.records_for(body), 10, "raw-text invocation")
    wait_until(lambda: _queue_count(toy.queue()) == 0, 10, "message deleted")


def test_failing_message_is_retried_then_moved_to_poison(toy: ToyHost) -> None:
    body = f"please fail {uuid.uuid4()}"
    encoded = base64.b64encode(body.encode()).decode()
    toy.queue().send_message(encoded)
    poison = toy.queue(f"{toy.queue_name}-poison")

    def poisoned() -> list[str]:
        return [m.content for m in poison.peek_messages(max_messages=32) if m.content == encoded]

    wait_until(poisoned, 20, "message on the poison queue")
    # maxDequeueCount is 3 in the test host.json: three tries, then poison.
    assert [r["dequeue_count"] for r in toy.records_for(body)] == [1, 2, 3]
    wait_until(lambda: _queue_count(toy.queue()) == 0, 10, "original message deleted")


# Failing starts and stopping


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [(None, "'TOY_SCHEDULE'"), ("every minute", "NCRONTAB")],
    ids=["missing-setting", "invalid-expression"],
)
def test_bad_schedule_setting_fails_at_start(
    azurite: Azurite, host_root: Path, schedule: str | None, expected: str
) -> None:
    env = toy_env(azurite, host_root)
    if schedule is None:
        del env["TOY_SCHEDULE"]
    else:
        env["TOY_SCHEDULE"] = schedule
    host = launch(host_root, env)
    try:
        assert host.process.wait(30) == 1
    finally:
        host.stop()
    log = host.log()
    assert "TOY_SCHEDULE" in log
    assert expected in log
    assert "'tick'" in log
    assert not host.listening()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly(azurite: Azurite, host_root: Path, sig: int) -> None:
    host = start_host(host_root, toy_env(azurite, host_root))
    assert requests.get(f"{host.base_url}/api/items/1", timeout=5).status_code == 200
    assert host.stop(sig, timeout=15) == 0
    assert "Traceback" not in host.log()
