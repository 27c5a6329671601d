"""A storage outage answers 503 with Retry-After, never 500, and changes nothing."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.adapters.tables.store import TableStore
from shared.config import load_settings
from tests.support.api import token
from tests.support.azurite import ACCOUNT, KEY, free_port
from tools.inprocess import call


@pytest.fixture
def storage_down() -> object:
    port = free_port()  # nobody listens there
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"TableEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
        f"QueueEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
    )
    settings = load_settings({"AzureWebJobsStorage": connection})
    from shared.adapters.queue_notifier import QueueNotifier

    # The app's own client builders: the outage goes through the transport it runs on.
    service = bootstrap.table_service(settings, retry_total=0)
    store = TableStore(service.get_table_client("t"), service.get_table_client("u"))
    queue = bootstrap.queue_client(settings, "q", retry_total=0)
    bootstrap.override(bootstrap.build(settings, store=store, notifier=QueueNotifier(queue)))
    yield
    bootstrap.override(None)


@pytest.mark.parametrize(
    ("name", "method", "route_params", "body"),
    [
        ("list_products", "GET", {}, None),
        (
            "put_product",
            "PUT",
            {"productId": "p"},
            {"name": "P", "selfServicePurchase": "blocked", "totalLicenses": 1, "servicePlans": []},
        ),
        ("get_request_process", "GET", {}, None),
        ("submit_request", "POST", {}, {"productId": "p"}),
        ("list_requests", "GET", {}, None),
        ("get_request", "GET", {"id": "8204485029407abcdef"}, None),
        ("approve_request", "POST", {"id": "8204485029407abcdef"}, {}),
        ("deny_request", "POST", {"id": "8204485029407abcdef"}, {}),
        ("my_requests", "GET", {}, None),
    ],
)
def test_storage_outage_answers_503_with_retry_after(
    storage_down: object, name: str, method: str, route_params: dict[str, str], body: object
) -> None:
    admin = token("contoso", "admin@contoso.com", admin=True)
    reply = call(
        name, method, "http://localhost/api/x", token=admin, body=body, route_params=route_params
    )
    assert reply.status == 503
    assert reply.body["code"] == "storage_unavailable"
    assert int(reply.headers["Retry-After"]) > 0


def test_health_does_not_depend_on_storage(storage_down: object) -> None:
    assert call("health", "GET", "http://localhost/api/health").status == 200
