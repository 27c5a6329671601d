"""EmailSender for local development: RFC 5322 .eml files in a folder.

Idempotent per `OutgoingEmail.key`: each file is named after a hash of the key, and a
key already written is skipped.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from shared.app.ports import EmailSendError, OutgoingEmail

LOCAL_SENDER_ADDRESS = "DoNotReply@license-requests.local"
KEY_HEADER = "X-License-Requests-Key"


def key_digest(key: str) -> str:
    """A short, filename-safe digest of an email key (64 bits of SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


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
