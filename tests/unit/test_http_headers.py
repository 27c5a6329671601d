"""Response headers parsed as headers only (shared/adapters/http_headers.py): the same
headers as the standard library's parser, without reading a multipart body that a header
block never has."""

from __future__ import annotations

import email.parser
import http.client
import io
import re
from unittest import mock

from shared.adapters import http_headers

# A $batch answer's header block, as http.client reads it after the status line.
BLOCK = (
    b"Cache-Control: no-cache\r\n"
    + b"Content-Type: multipart/mixed; boundary=batchresponse_5d9e0f3c-1c1a\r\n"
    + b"x-ms-request-id: 1\r\n"
    + b"Set-Cookie: a=1\r\n"
    + b"Set-Cookie: b=2\r\n"
    + b"X-Folded: one\r\n two\r\n"
    + b"\r\n"
)


def _stdlib(block: bytes) -> http.client.HTTPMessage:
    text = block.decode("iso-8859-1")
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)  # type: ignore[return-value]


def test_the_headers_are_those_of_the_standard_parser() -> None:
    ours = http_headers.parse_headers(io.BytesIO(BLOCK))
    theirs = _stdlib(BLOCK)
    assert ours.items() == theirs.items()
    assert ours.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert ours.get_content_type() == "multipart/mixed"
    assert isinstance(ours, http.client.HTTPMessage)


def test_no_boundary_expression_is_compiled_for_a_multipart_answer() -> None:
    with mock.patch.object(re, "compile", wraps=re.compile) as compiled:
        http_headers.parse_headers(io.BytesIO(BLOCK))
    assert not [c for c in compiled.call_args_list if "batchresponse" in str(c)]
    with mock.patch.object(re, "compile", wraps=re.compile) as compiled:
        _stdlib(BLOCK)
    assert [c for c in compiled.call_args_list if "batchresponse" in str(c)]  # what it saves


def test_the_storage_wire_installs_it() -> None:
    import shared.adapters.tables.wire  # noqa: F401 - installs on import

    assert http.client.parse_headers is http_headers.parse_headers
