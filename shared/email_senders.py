"""EmailSender adapters: Azure Communication Services Email, and a local .eml outbox.

Both are idempotent per `OutgoingEmail.key`, so the notification worker can retry a
queue message without sending anyone the same email twice:

* `AcsEmailSender` passes a UUID derived from the key as the send's Operation-Id; ACS
  answers a repeated send with the operation it already has instead of a second email.
* `OutboxDirSender` names each file after a hash of the key and skips keys it has
  already written.

The Azure SDKs are imported inside constructors and `send` only, so importing this
module (e.g. from unit tests or the outbox-only dev host) stays cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.config import Settings, SettingsError
from shared.ports import EmailSender, EmailSendError, OutgoingEmail

if TYPE_CHECKING:
    from azure.communication.email import EmailClient

log = logging.getLogger(__name__)

LOCAL_SENDER_ADDRESS = "DoNotReply@license-requests.local"
KEY_HEADER = "X-License-Requests-Key"

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
    from shared.http_transport import transport_options

    return {**_CLIENT_OPTIONS, **transport_options()}


def operation_id_for(key: str) -> str:
    """The ACS Operation-Id of the email with this key (a UUID, stable across retries)."""
    return str(uuid.uuid5(_OPERATION_NAMESPACE, key))


def key_digest(key: str) -> str:
    """A short, filename-safe digest of an email key (64 bits of SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


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


class OutboxDirSender:
    """Writes each email as an RFC 5322 .eml file into a directory (local development)."""

    def __init__(
        self,
        directory: str | Path,
        *,
        sender_address: str = LOCAL_SENDER_ADDRESS,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._dir = Path(directory)
        self._sender_address = sender_address
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        return self._dir

    def path_for(self, key: str) -> Path | None:
        """The file already written for this key, if any."""
        found = sorted(self._dir.glob(f"*-{key_digest(key)}.eml"))
        return found[0] if found else None

    def send(self, email: OutgoingEmail) -> None:
        digest = key_digest(email.key)
        now = self._now().astimezone(UTC)
        try:
            data = self._render(email, now)
        except (ValueError, TypeError) as exc:  # e.g. an address the headers cannot hold
            raise EmailSendError(f"cannot write email {digest}: {exc}", permanent=True) from exc
        # The lock makes check-then-write atomic within this process; across processes a
        # race on the same key could at worst leave two files, never a torn one.
        with self._lock:
            try:
                self._dir.mkdir(parents=True, exist_ok=True)
                if self.path_for(email.key) is None:
                    self._write_atomically(f"{now:%Y%m%dT%H%M%S.%fZ}-{digest}.eml", data)
            except OSError as exc:
                raise EmailSendError(
                    f"cannot write email {digest} to {self._dir}: {exc.strerror or exc}",
                    permanent=False,
                ) from exc

    def _write_atomically(self, name: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self._dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _render(self, email: OutgoingEmail, now: datetime) -> bytes:
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = _address(self._sender_address, None)
        msg["To"] = _address(email.to, email.to_name)
        msg["Subject"] = email.subject
        msg["Date"] = format_datetime(now)
        domain = self._sender_address.rpartition("@")[2] or "license-requests.local"
        full = hashlib.sha256(email.key.encode("utf-8")).hexdigest()[:32]
        msg["Message-ID"] = f"<{full}@{domain}>"
        msg[KEY_HEADER] = email.key
        msg.set_content(email.text, charset="utf-8")
        msg.add_alternative(email.html, subtype="html", charset="utf-8")
        return msg.as_bytes(policy=policy.SMTP)


def _address(addr_spec: str, display_name: str | None) -> Address:
    return Address(display_name=display_name or "", addr_spec=addr_spec)


def build_email_sender(settings: Settings) -> EmailSender:
    """The sender the settings ask for; SettingsError when ACS is chosen but not configured."""
    if settings.email_sender == "outbox":
        return OutboxDirSender(
            settings.email_outbox_dir,
            sender_address=settings.email_sender_address or LOCAL_SENDER_ADDRESS,
        )
    sender_address = (settings.email_sender_address or "").strip()
    if not sender_address or "@" not in sender_address:
        raise SettingsError(
            "EMAIL_SENDER=acs needs EMAIL_SENDER_ADDRESS (e.g. DoNotReply@<your verified domain>)"
        )
    if sender_address.lower().endswith(".local"):
        raise SettingsError(
            f"EMAIL_SENDER_ADDRESS={sender_address!r} is the local placeholder; with "
            "EMAIL_SENDER=acs use an address on a domain linked to the ACS resource"
        )
    from azure.communication.email import EmailClient

    if settings.acs_connection_string:
        # Parsed here rather than by from_connection_string, which silently turns an
        # http endpoint (a local ACS-contract server) into https.
        from azure.core.credentials import AzureKeyCredential

        parts = dict(p.split("=", 1) for p in settings.acs_connection_string.split(";") if "=" in p)
        parts = {k.strip().lower(): v.strip() for k, v in parts.items()}
        if not parts.get("endpoint") or not parts.get("accesskey"):
            raise SettingsError("ACS_CONNECTION_STRING needs endpoint=...;accesskey=...")
        client = EmailClient(
            parts["endpoint"], AzureKeyCredential(parts["accesskey"]), **acs_client_options()
        )
    elif settings.acs_endpoint:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(
            managed_identity_client_id=settings.managed_identity_client_id
        )
        client = EmailClient(settings.acs_endpoint, credential, **acs_client_options())
    else:
        raise SettingsError(
            "EMAIL_SENDER=acs needs ACS_CONNECTION_STRING or ACS_ENDPOINT "
            "(the endpoint uses the managed identity)"
        )
    return AcsEmailSender(client, sender_address)
