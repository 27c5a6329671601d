"""Deferred imports stay deferred, and concurrent first use sees a complete module."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from shared.lazy import lazy_import


def test_importing_the_app_does_not_load_the_heavy_modules() -> None:
    code = (
        "import sys, function_app; "
        "heavy = [m for m in ('pydantic', 'jwt', 'azure.data.tables', 'azure.storage.queue', "
        "'shared.app.service') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_concurrent_first_use_sees_a_complete_module() -> None:
    module = lazy_import("shared.domain.notices")
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: module.decision_notice.__name__, range(32)))
    assert set(found) == {"decision_notice"}
