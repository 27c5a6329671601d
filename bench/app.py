"""The app wired to the bench Azurite: settings, containers (plain and counted), tenants, tokens."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import bootstrap
from shared.adapters.auth import dev_user_id, mint_dev_token
from shared.adapters.queue_notifier import QueueNotifier
from shared.config import DEV_JWT_SECRET_DEFAULT, Settings, load_settings
from shared.domain.identity import Principal
from shared.domain.models import ProductPut, RequestProcessPut
from tools import localstack
from tools.localstack import Azurite

from .calls import Recorder
from .harness import Counter
from .seed import PRODUCT_ID, PRODUCT_NAME, BatchWriter

ROOT = Path(__file__).resolve().parents[1]


def storage_env(azurite: Azurite, table: str, queue: str) -> dict[str, str]:
    """App settings naming the bench Azurite, a table of its own and a queue of its own."""
    return {
        "AzureWebJobsStorage": azurite.connection_string,
        "AUTH_MODE": "dev",
        "TABLE_NAME": table,
        "TENANTS_TABLE_NAME": f"{table}tenants",
        "NOTIFICATIONS_QUEUE": queue,
    }


@dataclass
class Wired:
    """One table's app: a plain container to time and a counted one to count round trips
    (`counter`: every call; `recorder`: shapes and depth, while it records)."""

    settings: Settings
    env: dict[str, str]
    timed: bootstrap.Container
    counted: bootstrap.Container
    counter: Counter
    recorder: Recorder
    writer: BatchWriter
    queue: Any  # the timed container's queue client

    @property
    def table(self) -> Any:
        return self.timed.store.table  # raw calls on the app's own client


def wire(azurite: Azurite, table: str, queue: str) -> Wired:
    env = storage_env(azurite, table, queue)
    settings = load_settings(env)
    counter, recorder = Counter(), Recorder()

    def hook(request: Any) -> None:
        counter.hook(request)
        recorder.hook(request)

    plain_queue = bootstrap.build_queue(settings)
    # Timed as deployed: notices go over the app's lean queue wire (build_notifier).
    timed = bootstrap.build(
        settings, store=bootstrap.build_store(settings), notifier=bootstrap.build_notifier(settings)
    )
    # The store hands the hook to the SDK clients and to its lean wire alike.
    counted_store = bootstrap.build_store(settings, raw_request_hook=hook)
    counted_queue = bootstrap.build_queue(settings, raw_request_hook=hook)
    counted = bootstrap.build(settings, store=counted_store, notifier=QueueNotifier(counted_queue))
    writer = BatchWriter(timed.store.table)  # seeding through the app's client
    return Wired(settings, env, timed, counted, counter, recorder, writer, plain_queue)


@dataclass
class BenchTenant:
    """A tenant with the product, its settings row and signed-in people."""

    id: str
    admin_token: str
    admin: Principal


def token(tenant: str, email: str, *, admin: bool = False) -> str:
    return mint_dev_token(DEV_JWT_SECRET_DEFAULT, tenant, email, admin=admin)


def setup_tenant(container: bootstrap.Container, tenant: str, *, notify: bool) -> BenchTenant:
    """Catalogue (one blocked product with plenty of seats) and the settings row."""
    email = "ada@contoso.com"
    admin = Principal(tenant, dev_user_id(tenant, email), "Ada Admin", email, True)
    service = container.service
    service.put_product(
        admin,
        PRODUCT_ID,
        ProductPut.model_validate(
            {
                "name": PRODUCT_NAME,
                "selfServicePurchase": "blocked",
                "totalLicenses": 10_000_000,
                "servicePlans": [{"id": "visio", "name": "Visio"}],
            }
        ),
    )
    process: dict[str, Any] = {"useOwnProcess": False}
    if notify:
        process["notifyAdmins"] = ["it@contoso.com"]
    service.put_request_process(admin, RequestProcessPut.model_validate(process))
    return BenchTenant(tenant, token(tenant, email, admin=True), admin)


# ---- the dev host, as tests/e2e/conftest.py runs it ------------------------------------------


def start_devhost(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`python -m tools.devhost` on `port`; call `wait_devhost` before using it."""
    return localstack.launch_devhost(localstack.isolated_env(**env), port, log_path)


wait_devhost = localstack.wait_devhost
stop = localstack.stop_process
