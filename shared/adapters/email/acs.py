"""EmailSender on Azure Communication Services Email.

Idempotent per `OutgoingEmail.key`: the send's Operation-Id is a UUID derived from the
key, and ACS answers a repeated send with the operation it already has instead of a
second email. The Azure SDK is imported by `send` only (and the client by bootstrap).
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import uuid
from typing import TYPE_CHECKING, Any

from shared.app.ports import EmailSendError, OutgoingEmail

if TYPE_CHECKING:
    from azure.communication.email import EmailClient

log = logging.getLogger(__name__)

# Fixed namespace: the same email key always maps to the same ACS Operation-Id.
_OPERATION_NAMESPACE = uuid.UUID("5c0b2f7e-8a51-4f0e-9a57-3d1f6c2b9e41")

# Statuses worth another try later (the queue retries the whole message).
_TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})

# SDK-level retries stay short: the queue (maxDequeueCount) is the outer retry loop,
# and one email must not hold a worker for minutes.
_CLIENT_OPTIONS: dict[str, Any] = {
    # The queue is the retry mechanism (maxDequeueCount, then the poison queue): retrying
    # inside one attempt as well would multiply the waits and blur the attempt count.
    "retry_total": 0,
    "retry_backoff_factor": 0.5,
    "retry_backoff_max": 8,
    "connection_timeout": 10,
    "read_timeout": 30,
}


def _skip_failing_aiohttp_probe() -> None:
    """Make the ACS key policy's per-request aiohttp probe fail at once instead of slowly.

    azure-communication-email signs each request after importing azure-core's aiohttp
    transport to check the transport's type. Without aiohttp installed that import fails
    anew on every send, reloading the module from disk: ~0.3 ms, a third of a send's CPU.
    Marking the module absent gives the probe the same ImportError straight away.
    """
    if importlib.util.find_spec("aiohttp") is None:
        sys.modules.setdefault("azure.core.pipeline.transport._aiohttp", None)  # type: ignore[arg-type]


def acs_client_options() -> dict[str, Any]:
    """Keyword arguments for an `EmailClient`: the timeouts above and the shared transport."""
    _skip_failing_aiohttp_probe()
    from shared.adapters.http_transport import transport_options

    timeouts = {k: _CLIENT_OPTIONS[k] for k in ("connection_timeout", "read_timeout")}
    return {**_CLIENT_OPTIONS, **transport_options(**timeouts)}


def operation_id_for(key: str) -> str:
    """The ACS Operation-Id of the email with this key (a UUID, stable across retries)."""
    return str(uuid.uuid5(_OPERATION_NAMESPACE, key))


class AcsEmailSender:
    """Sends through Azure Communication Services Email and waits for the outcome."""

    def __init__(
        self,
        client: EmailClient,
        sender_address: str,
        *,
        polling_interval: float = 0.2,
        timeout: float = 60.0,
        wait: bool = False,
    ) -> None:
        # ACS answers 202 once it has accepted the email; the operation then runs for
        # seconds. By default that acceptance counts as sent: waiting would hold a worker
        # thread per email, and a later Failed (a suppressed or invalid address) would not
        # be cured by retrying. `wait=True` polls to the end and retries a Failed operation.
        self._client = client
        self._sender_address = sender_address
        self._polling_interval = polling_interval
        self._timeout = timeout
        self._wait = wait

    def message_for(self, email: OutgoingEmail) -> dict[str, Any]:
        """The ACS `EmailMessage` JSON for one email."""
        recipient: dict[str, str] = {"address": email.to}
        if email.to_name:
            recipient["displayName"] = email.to_name
        return {
            "senderAddress": self._sender_address,
            "recipients": {"to": [recipient]},
            "content": {"subject": email.subject, "plainText": email.text, "html": email.html},
        }

    def send(self, email: OutgoingEmail) -> None:
        from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError

        operation_id = operation_id_for(email.key)
        try:
            if not self._wait:
                self._client.begin_send(
                    self.message_for(email), operation_id=operation_id, polling=False
                )
                return
            poller = self._client.begin_send(
                self.message_for(email),
                operation_id=operation_id,
                polling_interval=self._polling_interval,
            )
            result = poller.result(timeout=self._timeout)
        except ClientAuthenticationError as exc:
            # Includes a failed token request: a rotated key or a missing role is fixable,
            # so the queue should try again rather than drop the email.
            raise self._error(operation_id, "authentication failed", exc) from exc
        except HttpResponseError as exc:
            status = exc.status_code
            if status is None or status < 400:
                # The send was accepted but the operation ended Failed or Canceled.
                raise self._error(operation_id, "operation did not succeed", exc) from exc
            permanent = status not in _TRANSIENT_STATUSES and status < 500
            raise self._error(operation_id, f"HTTP {status}", exc, permanent=permanent) from exc
        except AzureError as exc:
            # Connection refused/reset, timeouts, undecodable answers: all worth a retry.
            raise self._error(operation_id, type(exc).__name__, exc) from exc
        if not poller.done():
            # Retrying later is safe: the same Operation-Id finds this operation again.
            raise self._outcome(f"ACS send {operation_id} still running after {self._timeout:g}s")
        status_text = result.get("status") if isinstance(result, dict) else None
        if status_text != "Succeeded":
            raise self._outcome(
                f"ACS send {operation_id} ended {status_text or 'without a status'}"
            )
        log.debug("ACS delivered operation %s", operation_id)

    @staticmethod
    def _outcome(detail: str) -> EmailSendError:
        log.warning("%s [will retry]", detail)
        return EmailSendError(detail, permanent=False)

    @staticmethod
    def _error(
        operation_id: str,
        what: str,
        exc: Exception,
        *,
        permanent: bool = False,
    ) -> EmailSendError:
        code = _error_code(exc)
        detail = f"ACS send {operation_id} failed: {what}" + (f" ({code})" if code else "")
        # Logged by operation id only: the email key holds the recipient's address.
        log.warning("%s [%s]", detail, "permanent" if permanent else "will retry")
        return EmailSendError(detail, permanent=permanent)


def _error_code(exc: Exception) -> str | None:
    """The service's error code (e.g. 'Denied', 'BadRequest'), never the response body."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    if isinstance(code, str) and code:
        return code
    code = getattr(exc, "error_code", None)
    return code if isinstance(code, str) and code else None
