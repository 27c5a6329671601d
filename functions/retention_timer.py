"""R4: the nightly retention sweep (schedule from the RETENTION_SCHEDULE app setting)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%RETENTION_SCHEDULE%")
def retention_sweep(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Delete requests older than RETENTION_PERIOD and what belongs to them."""
    _deps.retention_sweep().run()
