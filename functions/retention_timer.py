"""R4: the nightly retention sweep (schedule from the RETENTION_SCHEDULE app setting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.lazy import lazy_import

if TYPE_CHECKING:
    from shared import bootstrap
else:  # loaded on first call, not when the host indexes the functions
    bootstrap = lazy_import("shared.bootstrap")

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%RETENTION_SCHEDULE%")
def retention_sweep(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Delete requests older than RETENTION_PERIOD and what belongs to them."""
    bootstrap.container().retention().run()
