"""An idle deployment's background work at 1, 100 and 1,000 tenants: the table calls the
timers make when there is nothing to do, counted on the wire (bench.calls).

Tenants are registered as admins register them (a product and the settings through the
service), with no requests and none connected to Microsoft 365. At each size, with the
app's container (`bootstrap.build`):

* the outbox relay timer once (`relay().run()`: what every minute costs; the email worker
  is queue-triggered and has no message, so it makes no table call);
* the catalogue sync once (`service.microsoft365.sync_all()`, hourly), in a deployment
  with Microsoft 365 enabled: a directory that no tenant is connected to;
* the retention sweep (`retention().run()`, daily) with nothing expired, twice: as it
  runs once its expiry index is older than the retention period (a clock that far
  ahead), and during the index's first retention period (the real clock: requests
  older than the index could exist, so it visits every tenant).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import bootstrap

from .app import Wired, setup_tenant
from .calls import Observed
from .harness import Sizes, log


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant."""

    at: datetime

    def now(self) -> datetime:
        return self.at


class NoTenantConnected:
    """Microsoft 365 enabled, no tenant connected: the sync must never call Graph."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no tenant is connected: Graph's {name} must not be used")


def steps(total: int) -> list[int]:
    """1, a tenth of `total`, `total` (each once, ascending)."""
    return sorted({1, max(1, total // 10), max(1, total)})


def register(wired: Wired, first: int, last: int, threads: int) -> None:
    """Tenants idle{first} … idle{last - 1}: a product and the settings each."""

    def one(i: int) -> None:
        setup_tenant(wired.timed, f"idle{i:05d}", notify=False)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(first, last)))


def described(observed: Observed) -> dict[str, Any]:
    """What one run of a timer did on the wire."""
    out: dict[str, Any] = {
        "table_queries": observed.table_queries,
        "calls": observed.count,
        "shapes": observed.shapes(),
    }
    reads = [c.describe() for c in observed.calls if c.is_table_query]
    out["reads"] = reads if len(reads) <= 6 else [*reads[:3], f"… {len(reads) - 3} more"]
    return out


def run(wired: Wired, sizes: Sizes) -> dict[int, dict[str, dict[str, Any]]]:
    """Per tenant count: relay, sync, sweep (steady) and sweep (first period)."""
    settings, counted, recorder = wired.settings, wired.counted, wired.recorder
    parts: dict[str, Any] = {"store": counted.store, "notifier": counted.notifier}
    sync = bootstrap.build(settings, directory=NoTenantConnected(), **parts)
    ahead = datetime.now(UTC) + settings.retention_period + timedelta(days=2)
    later = bootstrap.build(settings, clock=FixedClock(ahead), **parts)
    registered, by_size = 0, {}
    for size in steps(sizes.idle_tenants):
        log(f"idle: registering tenants {registered + 1}-{size}")
        register(wired, registered, size, max(sizes.seed_threads, 4))
        registered = size
        known = len(counted.store.tenants.known())
        assert known == size, f"{known} tenants registered, {size} expected"
        by_size[size] = {
            "relay": described(recorder.observe(counted.relay().run)),
            "sync": described(recorder.observe(sync.service.microsoft365.sync_all)),
            # The real clock first: it records when the index began, if nothing had.
            "sweep_first_period": described(recorder.observe(counted.retention().run)),
            "sweep": described(recorder.observe(later.retention().run)),
        }
    return by_size
