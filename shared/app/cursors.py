"""Opaque, signed paging cursors: a client can pass them back but not forge or alter them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from shared.domain.errors import InvalidRequest

# A cursor this app makes is ~100 characters (a row key or two); anything much longer is
# not one of ours and is refused before it is decoded.
MAX_CURSOR_LENGTH = 1024


class CursorCodec:
    """Signs a storage position together with the tenant and listing it belongs to."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._key = secret.encode()

    def _sign(self, scope: str, position: str) -> str:
        message = f"{scope}\n{position}".encode("utf-8", "surrogatepass")
        mac = hmac.new(self._key, message, hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode().rstrip("=")

    def encode(self, scope: str, position: str | None) -> str | None:
        """The cursor for `position` in listing `scope`, or None at the end."""
        if position is None:
            return None
        body = base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode().rstrip("=")
        return f"{body}.{self._sign(scope, position)}"

    def decode(self, scope: str, cursor: str | None) -> str | None:
        """The position a cursor stands for; 400 when it was altered or is for another list.

        Whatever the client sends, this answers a position or InvalidRequest: no other error
        (a non-ASCII signature, deeply nested JSON) can escape it.
        """
        if not cursor:
            return None
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError("too long")
            body, signature = cursor.split(".", 1)
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            position = json.loads(raw)["p"]
            if not isinstance(position, str):
                raise TypeError
            expected = self._sign(scope, position).encode()
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise InvalidRequest("The cursor is not valid.", field="cursor") from exc
        if not hmac.compare_digest(signature.encode("utf-8", "surrogatepass"), expected):
            raise InvalidRequest("The cursor is not valid for this list.", field="cursor")
        return position
