"""Response headers parsed as headers only.

`http.client.parse_headers` hands the header block to the email parser as a whole
message; when `Content-Type` is `multipart/...` (every Table Storage `$batch` answer, with a
fresh boundary each time) the parser compiles a regular expression for that boundary to
read a body the block never has: about half a millisecond of CPU per transaction, the
largest single cost of a decision after the network. Parsing the same block with
`headersonly=True` gives the same headers without it. Installed once, process-wide, by
the storage wire (shared/adapters/tables/wire.py)."""

from __future__ import annotations

import email.parser
import http.client
from typing import Any


def parse_headers(fp: Any, _class: type[http.client.HTTPMessage] = http.client.HTTPMessage) -> Any:
    """`http.client.parse_headers`, without parsing a body."""
    headers = http.client._read_headers(fp)  # type: ignore[attr-defined]
    text = b"".join(headers).decode("iso-8859-1")
    return email.parser.Parser(_class=_class).parsestr(text, headersonly=True)


def install() -> None:
    """Use `parse_headers` for every HTTP response of the process (idempotent)."""
    http.client.parse_headers = parse_headers  # type: ignore[assignment]
