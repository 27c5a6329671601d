"""A storage outage answers 503 with Retry-After over HTTP, and the host stays up."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.support.api import token
from tests.support.azurite import ACCOUNT, KEY, Azurite, free_port
from tests.support.devhost import devhost_env, start_devhost, stop_process


def test_with_storage_down_every_call_answers_503_and_health_stays_ok(
    azurite: Azurite, tmp_path: Path
) -> None:
    dead = free_port()
    env = devhost_env(
        azurite,
        AzureWebJobsStorage=(
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"TableEndpoint=http://127.0.0.1:{dead}/{ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{dead}/{ACCOUNT};"
        ),
    )
    port = free_port()
    proc = start_devhost(env, port, tmp_path / "devhost.log")
    try:
        base = f"http://127.0.0.1:{port}"
        bearer = {"Authorization": f"Bearer {token('contoso', 'admin@contoso.com', admin=True)}"}
        for method, path, body in (
            ("GET", "/api/products", None),
            ("GET", "/api/requests", None),
            ("POST", "/api/requests", {"productId": "visio"}),
            ("POST", "/api/requests/8204485029407abcdef/approve", {}),
        ):
            response = requests.request(method, base + path, json=body, headers=bearer, timeout=30)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["Content-Type"].startswith("application/problem+json")
            assert response.json()["code"] == "storage_unavailable"
            assert int(response.headers["Retry-After"]) > 0
        assert requests.get(base + "/api/health", timeout=5).json() == {"status": "ok"}
        # Readiness checks storage: not ready while it is down.
        not_ready = requests.get(base + "/api/health?ready=1", timeout=30)
        assert not_ready.status_code == 503
        assert not_ready.headers["Content-Type"].startswith("application/problem+json")
        assert not_ready.json()["code"] == "storage_unavailable"
        assert int(not_ready.headers["Retry-After"]) > 0
    finally:
        stop_process(proc)


def test_readiness_answers_ready_when_storage_answers(base_url: str) -> None:
    assert requests.get(base_url + "/api/health?ready=1", timeout=10).json() == {"status": "ready"}
    assert requests.get(base_url + "/api/health?ready=0", timeout=10).json() == {"status": "ok"}
    bad = requests.get(base_url + "/api/health?ready=maybe", timeout=10)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"
