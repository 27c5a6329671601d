"""The Notifier port on an Azure Storage queue."""

from __future__ import annotations

from typing import Any

from shared.app.notifications import queue_message
from shared.app.ports import OutboxMessage


class QueueNotifier:
    """Puts one message per committed outbox row (the client must encode base64)."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def publish(self, message: OutboxMessage) -> None:
        """Queue the message; raises when the queue cannot be reached."""
        self._queue.send_message(queue_message(message))
