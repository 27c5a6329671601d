"""The local Graph emulator as tests use it: its control API, and connected tenants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from tools.graph_emulator.seed import seeded_user_id
from tools.localstack import GraphEmulatorProcess


@dataclass
class Graph:
    """Talks to the emulator's control API (`/_emulator/...`) and to Graph itself."""

    emulator: GraphEmulatorProcess

    def _session(self) -> requests.Session:
        session = requests.Session()
        # The environment's CA variables would override `verify`: use ours only.
        session.trust_env = False
        session.verify = str(self.emulator.ca_cert)
        return session

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        with self._session() as session:
            return session.request(
                method, self.emulator.base_url + path, json=body, timeout=30, **kw
            )

    def clone_demo(self, tenant: str) -> None:
        """A copy of the demo directory (contoso) as tenant `tenant`."""
        doc = self.call("GET", "/_emulator/tenants/contoso").json()
        reply = self.call("PUT", f"/_emulator/tenants/{tenant}", doc)
        assert reply.status_code in (200, 201, 204), reply.text

    def licences(self, tenant: str, upn: str) -> dict[str, Any]:
        reply = self.call("GET", f"/_emulator/tenants/{tenant}/users/{upn}/licenses")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def graph(self, tenant: str, method: str, path: str, body: Any = None) -> requests.Response:
        """A Graph v1.0 call in `tenant`, with a token of the emulator's own."""
        token = self.call("GET", f"/_emulator/token?tenant={tenant}").text.strip()
        return self.call(method, f"/v1.0{path}", body, headers={"Authorization": f"Bearer {token}"})

    def fault(self, **fault: Any) -> None:
        reply = self.call("POST", "/_emulator/faults", fault)
        assert reply.status_code in (200, 201, 204), reply.text

    def clear_faults(self) -> None:
        self.call("DELETE", "/_emulator/faults")

    def stats(self) -> dict[str, Any]:
        return dict(self.call("GET", "/_emulator/stats").json())


def user_id(email: str) -> str | None:
    """The demo directory's object id of `email` (the same in every clone)."""
    return seeded_user_id(email)


def connect(base: str, session: requests.Session, admin_token: str, graph: Graph) -> str:
    """Connect the admin's tenant as a browser would: consent, Microsoft's redirect, the
    callback; the console URL the admin lands on."""
    auth = {"Authorization": f"Bearer {admin_token}", "Accept": "application/json"}
    consent = session.get(f"{base}/api/setup/microsoft365/consent", headers=auth, timeout=30)
    assert consent.status_code == 200, consent.text
    url = urlsplit(consent.json()["consentUrl"])
    microsoft = graph.call("GET", f"{url.path}?{url.query}", allow_redirects=False)
    assert microsoft.status_code == 302, microsoft.text
    back = urlsplit(microsoft.headers["Location"])
    callback = session.get(f"{base}{back.path}?{back.query}", allow_redirects=False, timeout=60)
    assert callback.status_code == 302, callback.text
    return str(callback.headers["Location"])


def unique_m365_tenant() -> str:
    return f"m{uuid.uuid4().hex[:15]}"
