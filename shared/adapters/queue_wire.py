"""Putting a message on a Storage queue, straight over HTTP.

A decision puts up to two messages (a safety copy before its commit, the notice after);
through the queue SDK's pipeline each costs more CPU than the table transaction itself.
This is the Queue service's `Put Message` written by hand: Shared Key Lite (an account
key) or an Entra ID bearer token (the app's managed identity, cached), the XML body with
the base64 text the Functions trigger expects, a short timeout, one quick retry only when
nothing was sent, and a memory of the outage (the queues of one account share it): after a
put fails, the next ones fail at once for a few seconds. A queue outage so holds a decision
at most ~2 s (a black-holed endpoint), and what was not queued is noted for the relay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

from shared.adapters.tables.wire import BearerToken

API_VERSION = "2019-02-02"
_TIMEOUT = urllib3.Timeout(connect=1.5, read=2)
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# After a failed put, puts fail at once for this long (the relay timer delivers later).
OUTAGE_SECONDS = 15.0


class Outage:
    """When the queue service was last found down, shared by the wires of one account."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._until = 0.0

    def ongoing(self) -> bool:
        """Whether a put failed less than OUTAGE_SECONDS ago."""
        return self._monotonic() < self._until

    def seen(self) -> None:
        """A put just failed."""
        self._until = self._monotonic() + OUTAGE_SECONDS


class QueueUnavailable(Exception):
    """The queue did not take the message."""


class QueueSharedKeyLite:
    """Shared Key Lite for the Queue service (its string to sign names the x-ms headers)."""

    def __init__(self, account: str, key: str) -> None:
        self._account = account
        self._key = base64.b64decode(key)

    def headers(self, url: str, date: str, content_type: str) -> dict[str, str]:
        """The Authorization header of a POST to `url` with these x-ms headers."""
        resource = f"/{self._account}{urlsplit(url).path}"
        signed = (
            f"POST\n\n{content_type}\n\nx-ms-date:{date}\nx-ms-version:{API_VERSION}\n{resource}"
        )
        digest = hmac.new(self._key, signed.encode(), hashlib.sha256).digest()
        return {
            "Authorization": f"SharedKeyLite {self._account}:{base64.b64encode(digest).decode()}"
        }


class QueueWire:
    """Puts messages on one queue."""

    @classmethod
    def for_client(
        cls, queue: Any, pool: urllib3.PoolManager, outage: Outage | None = None
    ) -> QueueWire | None:
        """The wire to the queue an SDK `QueueClient` names, with its credential; None when
        the credential is neither an account key nor a token credential."""
        credential = queue.credential
        key = getattr(credential, "account_key", None)
        auth: QueueSharedKeyLite | BearerToken
        if key:
            auth = QueueSharedKeyLite(queue.account_name, key)
        elif hasattr(credential, "get_token"):
            auth = BearerToken(credential)
        else:
            return None
        return cls(queue.url, auth, pool, outage)

    def __init__(
        self,
        url: str,
        auth: QueueSharedKeyLite | BearerToken,
        pool: urllib3.PoolManager,
        outage: Outage | None = None,
    ) -> None:
        self._url = f"{url.rstrip('/')}/messages"
        self._auth = auth
        self._pool = pool
        self._outage = outage or Outage()

    def send_message(self, content: str, visibility_timeout: int | None = None) -> None:
        """The queue SDK's `send_message`, for the notifier that takes either."""
        self.put(content, visibility_timeout or 0)

    def put(self, text: str, visibility_timeout: int = 0) -> None:
        """Put `text` (base64-encoded here), visible after `visibility_timeout` seconds."""
        if self._outage.ongoing():
            raise QueueUnavailable("the queue service was down a moment ago")
        try:
            self._put(text, visibility_timeout)
        except QueueUnavailable:
            self._outage.seen()
            raise

    def _put(self, text: str, visibility_timeout: int) -> None:
        encoded = base64.b64encode(text.encode("utf-8")).decode()
        body = f"<QueueMessage><MessageText>{escape(encoded)}</MessageText></QueueMessage>"
        url = (
            f"{self._url}?visibilitytimeout={visibility_timeout}"
            if visibility_timeout
            else self._url
        )
        content_type = "application/xml"
        for attempt in range(2):
            date = formatdate(usegmt=True)
            headers = {"x-ms-date": date, "x-ms-version": API_VERSION, "Content-Type": content_type}
            if isinstance(self._auth, QueueSharedKeyLite):
                headers.update(self._auth.headers(url, date, content_type))
            else:
                headers.update(self._auth.headers(url, date))
            try:
                reply = self._pool.request(
                    "POST",
                    url,
                    body=body.encode(),
                    headers=headers,
                    timeout=_TIMEOUT,
                    retries=False,
                )
            except (ConnectTimeoutError, NewConnectionError) as exc:
                # Refused at once (a restart) is worth one retry; a connect that timed out
                # has already spent the budget.
                if attempt == 0 and isinstance(exc, NewConnectionError):
                    time.sleep(0.2)
                    continue
                raise QueueUnavailable(str(exc)) from exc
            except HTTPError as exc:  # sent, no answer: the message may be there, no retry
                raise QueueUnavailable(str(exc)) from exc
            if reply.status == 201:
                return
            if reply.status in _RETRY_STATUSES and attempt == 0:
                time.sleep(0.2)
                continue
            raise QueueUnavailable(f"{reply.status}: {reply.data[:200]!r}")
