"""The Notifier port on Azure Storage queues: emails on one, fulfilment on another."""

from __future__ import annotations

from typing import Any

from shared.app.notifications import queue_message
from shared.app.ports import OutboxMessage
from shared.domain.notices import notice_kind


class QueueNotifier:
    """Puts one message per committed outbox row (the clients must encode base64)."""

    def __init__(self, queue: Any, fulfilment_queue: Any | None = None) -> None:
        self._queue = queue
        self._fulfilment = fulfilment_queue

    def publish(self, message: OutboxMessage, delay: float = 0) -> None:
        """Queue the message; raises when the queue cannot be reached."""
        fulfilment = notice_kind(message.key) == "fulfilment"
        queue = self._fulfilment if fulfilment and self._fulfilment is not None else self._queue
        if delay > 0:
            queue.send_message(queue_message(message), visibility_timeout=int(delay + 0.999))
        else:
            queue.send_message(queue_message(message))
