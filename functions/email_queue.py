"""Email delivery: the queue-triggered sender and the outbox relay timer (SPEC §7, X6)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps

bp = func.Blueprint()


@bp.queue_trigger(
    arg_name="msg", queue_name="license-notifications", connection="AzureWebJobsStorage"
)
def send_notification_emails(msg: func.QueueMessage) -> None:
    """One outbox row's emails; an exception makes the host retry, then poison the message."""
    body = msg.get_body().decode("utf-8", errors="replace")
    _deps.email_worker().handle(body, msg.id or "")


@bp.timer_trigger(arg_name="timer", schedule="%OUTBOX_RELAY_SCHEDULE%")
def relay_outbox(timer: func.TimerRequest) -> None:  # noqa: ARG001 - trigger binding
    """Queue again what a crash between commit and enqueue left behind."""
    _deps.outbox_relay().run()
