"""The retention timer runs under the dev host on RETENTION_SCHEDULE with RETENTION_PERIOD."""

from __future__ import annotations

import time

import requests
from azure.data.tables import TableClient

from tests.support.api import Api, token, unique_tenant
from tests.support.azurite import free_port, start_azurite
from tests.support.devhost import devhost_env, start_devhost, stop_process


def test_a_request_disappears_from_storage_once_its_short_period_is_over(tmp_path) -> None:
    azurite = start_azurite()  # its own storage: this sweep must not touch other tests' data
    port = free_port()
    env = devhost_env(azurite, RETENTION_PERIOD="PT2S", RETENTION_SCHEDULE="*/1 * * * * *")
    proc = start_devhost(env, port, tmp_path / "devhost.log")
    try:
        tenant = unique_tenant()
        session = requests.Session()
        base = f"http://127.0.0.1:{port}"
        admin = Api(base, token(tenant, "admin@contoso.com", admin=True), session)
        user = Api(base, token(tenant, "megan@contoso.com"), session)
        admin.put(
            "/api/products/visio",
            {
                "name": "Visio",
                "selfServicePurchase": "blocked",
                "totalLicenses": 3,
                "servicePlans": [],
            },
        )
        made = user.post("/api/requests", {"productId": "visio"}).json()
        table = TableClient.from_connection_string(azurite.connection_string, "licenserequests")

        def request_rows() -> list[str]:
            return [
                str(e["RowKey"])
                for e in table.query_entities("PartitionKey eq @pk", parameters={"pk": tenant})
                if made["id"] in str(e["RowKey"])
            ]

        assert len(request_rows()) == 3
        deadline = time.monotonic() + 15
        while request_rows() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert request_rows() == []
        assert admin.get(f"/api/requests/{made['id']}").status_code == 404
        assert "retention sweep" in (tmp_path / "devhost.log").read_text()
    finally:
        stop_process(proc)
        azurite.stop()
