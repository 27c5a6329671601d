"""Opaque, signed paging cursors: a client can pass them back but not forge or alter them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from shared.domain.errors import InvalidRequest


class CursorCodec:
    """Signs a storage position together with the tenant and listing it belongs to."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._key = secret.encode()

    def _sign(self, scope: str, position: str) -> str:
        mac = hmac.new(self._key, f"{scope}\n{position}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode().rstrip("=")

    def encode(self, scope: str, position: str | None) -> str | None:
        """The cursor for `position` in listing `scope`, or None at the end."""
        if position is None:
            return None
        body = base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode().rstrip("=")
        return f"{body}.{self._sign(scope, position)}"

    def decode(self, scope: str, cursor: str | None) -> str | None:
        """The position a cursor stands for; 400 when it was altered or is for another list."""
        if not cursor:
            return None
        try:
            body, signature = cursor.split(".", 1)
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            position = json.loads(raw)["p"]
            if not isinstance(position, str):
                raise TypeError
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest("The cursor is not valid.", field="cursor") from exc
        if not hmac.compare_digest(signature, self._sign(scope, position)):
            raise InvalidRequest("The cursor is not valid for this list.", field="cursor")
        return position
