"""Control characters: refused in what people type, made harmless in what others send.

A CR or LF in a display name once ended up in an email header, and the sender then
refused every email of that request for good. Names, product names and addresses are
single-line text: no C0 or C1 control character (NUL, ESC, CR, LF, TAB, ...), nor the
Unicode line and paragraph separators. Free text (a justification, a decision's
message) may hold line breaks and tabs, nothing else of the kind.
"""

from __future__ import annotations

import re

_LINE_BREAKERS = "\u2028\u2029"
_NOT_IN_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_LINE_BREAKERS}]")
_NOT_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def single_line_error(value: str) -> str | None:
    """Why `value` cannot be a name or an address, or None when it can."""
    found = _NOT_IN_ONE_LINE.search(value)
    return None if found is None else f"control character U+{ord(found.group()):04X} not allowed"


def free_text_error(value: str) -> str | None:
    """Why `value` cannot be a message (line breaks and tabs are fine), or None."""
    found = _NOT_IN_FREE_TEXT.search(value)
    return None if found is None else f"control character U+{ord(found.group()):04X} not allowed"


def one_line(value: str) -> str:
    """`value` with control characters and runs of white space made single spaces: for text
    that arrives from elsewhere (a token, the directory) and must not be refused."""
    if _NOT_IN_ONE_LINE.search(value) is None:
        return value
    return _SPACES.sub(" ", _NOT_IN_ONE_LINE.sub(" ", value)).strip()
