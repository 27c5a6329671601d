"""One in-process emulator for the session (free port, temporary state folder), reset to
the demo seed before every test; `graph` is a client with a token carrying every role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tools.graph_emulator.seed import DEV_CLIENT_ID, DEV_CLIENT_SECRET
from tools.graph_emulator.server import GraphEmulator

# Fixed ids of the demo seed (tools/graph_emulator/seed/demo.json).
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
E5 = "c7df2760-2c81-4ef7-b578-5b5392b571df"
VISIO = "c5928f49-12ba-48f7-ada3-0d743a3601d5"
POWER_BI = "f8a1db68-be16-40ed-86d5-cb42ce701560"
PROJECT = "53818b1b-4a27-454b-8896-0dba576410e6"
EXCHANGE_P1 = "4b9405b0-7788-4568-add1-99614e613b69"
STORAGE = "99049c9c-6011-4908-bf17-15f496e6519d"
PROJECT_PREMIUM = "09015f9f-377f-4538-bbb5-f75ceb09358a"
EXCHANGE_S_ENTERPRISE = "efb87545-963c-4e0d-99df-69c6916d9eb0"
EXCHANGE_S_STANDARD = "9aaf7827-d63c-4b61-89c3-182f06f82e5c"
SHAREPOINT_PROJECT = "fe71d6c3-a2ea-4499-9778-da042bf08063"
SHAREPOINTSTANDARD = "c7699d2e-19aa-44de-8edf-1736da088ca1"
SHAREPOINTENTERPRISE = "5dbe027f-2339-4123-9542-606e4d348a72"
TEAMS = "57ff2da0-773e-42df-b2af-ffb7a2317929"
VISIO_GROUP = "c3248085-d132-52c8-90bd-17decf5fdbdd"
USERS = {
    "admin": "2a24c757-e70d-5dac-8cde-ca5691579ada",
    "megan": "6482a89f-a93f-5022-af77-f8bcf6b86501",
    "alex": "5b48aa8c-aa02-5214-8b89-50d8637b5be0",
    "lee": "06817d81-bb91-5346-9eb8-af416c6edaa5",
    "diego": "cb57d8ec-3225-5a76-90dd-aa70c59b87c1",
    "nestor": "6149fd17-76ef-5bfc-ae0f-f1a969a7b158",
    "johanna": "bf252cee-42a1-5931-9d7b-614e0ffaca9f",
}
__all__ = ["DEV_CLIENT_ID", "DEV_CLIENT_SECRET"]


class Graph:
    """requests against the emulator's /v1.0 with a bearer token."""

    def __init__(self, session: requests.Session, base: str, token: str) -> None:
        self.session = session
        self.base = base
        self.token = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("https://") else f"{self.base}/v1.0{path}"
        return self.session.request(method, url, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def assign(
        self, user: str, add: list[Any], remove: list[str] | None = None
    ) -> requests.Response:
        adds = [a if isinstance(a, dict) else {"skuId": a, "disabledPlans": []} for a in add]
        return self.post(
            f"/users/{user}/assignLicense", {"addLicenses": adds, "removeLicenses": remove or []}
        )

    def consumed(self, sku_id: str) -> int:
        skus = self.get("/subscribedSkus").json()["value"]
        return int(next(s["consumedUnits"] for s in skus if s["skuId"] == sku_id))

    def licenses(self, user: str) -> dict[str, Any]:
        response = self.get(f"/users/{user}?$select=assignedLicenses,licenseAssignmentStates")
        assert response.status_code == 200, response.text
        return dict(response.json())


def local_session() -> requests.Session:
    """A requests session that ignores the environment's proxies and CA settings
    (REQUESTS_CA_BUNDLE would override a session's `verify`)."""
    session = requests.Session()
    session.trust_env = False
    return session


def graph_error(response: requests.Response) -> tuple[int, str, str]:
    """(status, code, message) of a Graph error answer, checking its shape."""
    error = response.json()["error"]
    assert set(error) == {"code", "message", "innerError"}, error
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
    return response.status_code, error["code"], error["message"]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphEmulator]:
    server = GraphEmulator(
        port=0, state_dir=tmp_path_factory.mktemp("graph-emulator"), persist=False
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_directory(request: pytest.FixtureRequest) -> None:
    """Every test starts from the demo seed, with no faults and zero counts."""
    if "emulator" in request.fixturenames:
        emulator: GraphEmulator = request.getfixturevalue("emulator")
        emulator.reset("demo")


@pytest.fixture(scope="session")
def session(emulator: GraphEmulator) -> Iterator[requests.Session]:
    with local_session() as s:
        s.verify = str(emulator.ca_cert)
        yield s


@pytest.fixture
def graph(emulator: GraphEmulator, session: requests.Session) -> Graph:
    return Graph(session, emulator.base_url, emulator.token("contoso"))


@pytest.fixture
def ca_bundle(emulator: GraphEmulator) -> Path:
    return emulator.ca_bundle
