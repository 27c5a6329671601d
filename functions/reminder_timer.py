"""Reminders and escalation: the hourly digest timer (schedule from the REMINDER_SCHEDULE
app setting). Each tenant's listed admins get at most one digest a day, whatever the
schedule."""

from __future__ import annotations

import azure.functions as func

from functions import _deps

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%REMINDER_SCHEDULE%")
def send_reminder_digests(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Queue today's digest of requests waiting longer than remindAfter (and escalated
    ones, longer than escalateAfter) for every tenant that has some."""
    _deps.reminder_digests().run()
