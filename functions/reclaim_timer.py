"""Time-limited licences (X14): the reclaim timer (schedule from the RECLAIM_SCHEDULE app
setting, hourly by default) warns holders before their term ends, takes licences back
when it has, hands the seats to the waitlist and drops entries older than maxWait."""

from __future__ import annotations

import azure.functions as func

from functions import _deps

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%RECLAIM_SCHEDULE%")
def reclaim_licences(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Do what the due index says is due by now."""
    _deps.service().reclaimer.run()
