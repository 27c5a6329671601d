"""Timer triggers: six-field NCRONTAB schedules, one thread per timer function."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from .host_config import ConfigError, resolve_setting_refs
from .registry import TimerFunction

log = logging.getLogger("devhost.timer")

# Later than this after its slot, an invocation is reported as past due.
PAST_DUE_AFTER = timedelta(seconds=1)
# Re-read the clock at least this often so a changed wall clock is noticed.
_MAX_SLEEP = 30.0


@dataclass(frozen=True)
class Schedule:
    """A six-field NCRONTAB expression (seconds first)."""

    expression: str

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (an aware datetime)."""
        cron = croniter(self.expression, moment, second_at_beginning=True)
        return cron.get_next(datetime)  # type: ignore[no-any-return]


def parse_schedule(raw: str, function_name: str, environ: Mapping[str, str]) -> Schedule:
    """Resolve `%NAME%` and validate the expression; raise ConfigError naming what is wrong."""
    what = f"timer function {function_name!r} schedule"
    expression = resolve_setting_refs(raw, what, environ).strip()
    if len(expression.split()) != 6 or not croniter.is_valid(expression, second_at_beginning=True):
        origin = f" (from {raw!r})" if raw.strip() != expression else ""
        raise ConfigError(
            f"{what}: {expression!r}{origin} is not a valid NCRONTAB expression "
            f"(six fields, seconds first, e.g. '0 */5 * * * *')"
        )
    return Schedule(expression)


def _now() -> datetime:
    # Local wall time, as the Functions host uses (UTC on Azure unless WEBSITE_TIME_ZONE).
    return datetime.now().astimezone()


class TimerRunner:
    """Runs one timer function on its schedule until stopped; failures never stop it."""

    def __init__(self, fn: TimerFunction, schedule: Schedule, stop_event: threading.Event) -> None:
        self.fn = fn
        self.schedule = schedule
        self._stop = stop_event
        self._thread = threading.Thread(
            target=self._run, name=f"devhost-timer-{fn.name}", daemon=True
        )
        self._invoke_lock = threading.Lock()

    def start(self) -> None:
        """Start the timer's thread."""
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the thread after the stop event is set."""
        if self._thread.ident is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("timer %s still running after %.0fs; leaving it", self.fn.name, timeout)

    def invoke(self, past_due: bool, reason: str) -> None:
        """Run the function once; log, never raise, on failure."""
        # Serialised so an admin-triggered run never overlaps a scheduled one, as on the host.
        with self._invoke_lock:
            invocation = uuid.uuid4()
            started = time.perf_counter()
            log.info(
                "Executing 'Functions.%s' (Reason='%s', Id=%s)", self.fn.name, reason, invocation
            )
            try:
                self.fn.invoke(TimerRequest(past_due=past_due))
            except Exception:
                log.exception("Executed 'Functions.%s' (Failed, Id=%s)", self.fn.name, invocation)
                return
            log.info(
                "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%.0fms)",
                self.fn.name,
                invocation,
                (time.perf_counter() - started) * 1000,
            )

    def _run(self) -> None:
        due = self.schedule.next_after(_now())
        while not self._stop.is_set():
            wait = (due - _now()).total_seconds()
            if wait > 0:
                self._stop.wait(min(wait, _MAX_SLEEP))
                continue
            late = _now() - due
            self.invoke(past_due=late > PAST_DUE_AFTER, reason=f"Timer fired at {due.isoformat()}")
            # Like the host, the next slot is computed after the run: missed slots are skipped.
            due = self.schedule.next_after(max(due, _now()))
