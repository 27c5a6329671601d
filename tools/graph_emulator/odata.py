"""The OData query options the emulator understands: $select, $filter, $search, $top,
$skiptoken, $count and $orderby, with Graph's answers to what it does not support."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .protocol import GraphError, bad_request

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

MAX_TOP = 999
MAX_IN_VALUES = 15


def unsupported(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


def unknown_property(name: str, code: str = "Request_UnsupportedQuery") -> GraphError:
    return GraphError(
        400, code, f"Property '{name}' does not exist as a declared property or extension property."
    )


def parse_select(raw: str | None, known: Sequence[str]) -> list[str] | None:
    """The canonical names of `$select`'s properties, None without $select."""
    if raw is None or not raw.strip():
        return None
    by_lower = {name.lower(): name for name in known}
    chosen: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        canonical = by_lower.get(name.lower())
        if canonical is None:
            raise unknown_property(name)
        if canonical not in chosen:
            chosen.append(canonical)
    return chosen


def parse_top(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        raise GraphError(400, "BadRequest", f"Invalid $top value '{raw}'.") from None
    if not 1 <= top <= MAX_TOP:
        raise unsupported(
            f"Invalid page size specified: '{raw}'. Must be between 1 and 999 inclusive."
        )
    return top


def encode_skiptoken(offset: int) -> str:
    raw = json.dumps({"o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = int(json.loads(base64.urlsafe_b64decode(padded))["o"])
    except (ValueError, KeyError, TypeError):
        raise bad_request(
            "The specified page token value has expired and can no longer be included in your "
            "request."
        ) from None
    return max(offset, 0)


# $filter: comparisons (eq, ne, startswith), `and`, `or`, `not`, parentheses, and
# `assignedLicenses/any(x:x/skuId eq <guid>)`.

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),:/])|(?P<word>[A-Za-z_$][\w$.\-]*|-?\d[\w\-.]*))"
)


@dataclass
class _Tokens:
    items: list[str]
    pos: int = 0

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.lower() != expected):
            raise GraphError(
                400, "BadRequest", f"Invalid filter clause: syntax error at position {self.pos}."
            )
        self.pos += 1
        return token


def _tokenize(text: str) -> _Tokens:
    items: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise GraphError(
                400, "BadRequest", f"Invalid filter clause: syntax error at position {pos}."
            )
        items.append(match.group("str") or match.group("punct") or match.group("word"))
        pos = match.end()
    return _Tokens(items)


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    return token


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


class FilterParser:
    """Parses `$filter` into a predicate over rows, allowing only `filterable` properties."""

    def __init__(self, filterable: Mapping[str, str], type_name: str) -> None:
        self.filterable = {k.lower(): v for k, v in filterable.items()}
        self.type_name = type_name

    def parse(self, text: str) -> Predicate:
        tokens = _tokenize(text)
        predicate = self._or(tokens)
        if tokens.peek() is not None:
            tokens.take("<end>")
        return predicate

    def _or(self, t: _Tokens) -> Predicate:
        parts = [self._and(t)]
        while (t.peek() or "").lower() == "or":
            t.take()
            parts.append(self._and(t))
        return parts[0] if len(parts) == 1 else lambda row: any(p(row) for p in parts)

    def _and(self, t: _Tokens) -> Predicate:
        parts = [self._unary(t)]
        while (t.peek() or "").lower() == "and":
            t.take()
            parts.append(self._unary(t))
        return parts[0] if len(parts) == 1 else lambda row: all(p(row) for p in parts)

    def _unary(self, t: _Tokens) -> Predicate:
        token = t.peek()
        if token is not None and token.lower() == "not":
            t.take()
            inner = self._unary(t)
            return lambda row: not inner(row)
        if token == "(":
            t.take()
            inner = self._or(t)
            t.take(")")
            return inner
        return self._comparison(t)

    def _property(self, name: str) -> str:
        canonical = self.filterable.get(name.lower())
        if canonical is None:
            raise unsupported(
                f"Unsupported or invalid query filter clause specified for property '{name}' "
                f"of resource '{self.type_name}'."
            )
        return canonical

    def _comparison(self, t: _Tokens) -> Predicate:
        word = t.take()
        if word.lower() in ("startswith", "endswith"):
            t.take("(")
            prop = self._property(t.take())
            t.take(",")
            value = str(_literal(t.take()))
            t.take(")")
            if word.lower() == "endswith":
                raise unsupported("Unsupported Query.")
            return lambda row: str(row.get(prop) or "").lower().startswith(value.lower())
        if t.peek() == "/":
            return self._lambda(word, t)
        prop = self._property(word)
        op = t.take().lower()
        if op == "in":
            values = self._values(t)
            return lambda row: any(_equal(row.get(prop), v) for v in values)
        value = _literal(t.take())
        if op == "eq":
            return lambda row: _equal(row.get(prop), value)
        if op == "ne":
            return lambda row: not _equal(row.get(prop), value)
        raise unsupported(f"Unsupported operator '{op}'.")

    def _values(self, t: _Tokens) -> list[Any]:
        """`('a', 'b', ...)` after `in`: at most 15 values, as Graph allows."""
        t.take("(")
        values = [_literal(t.take())]
        while t.peek() == ",":
            t.take()
            values.append(_literal(t.take()))
        t.take(")")
        if len(values) > MAX_IN_VALUES:
            raise unsupported(
                f"Too many values in the 'in' operator: {len(values)}; at most {MAX_IN_VALUES}."
            )
        return values

    def _lambda(self, collection: str, t: _Tokens) -> Predicate:
        prop = self._property(collection)
        t.take("/")
        t.take("any")
        t.take("(")
        var = t.take()
        t.take(":")
        if t.take().lower() != var.lower():
            raise unsupported("Unsupported Query.")
        t.take("/")
        member = t.take()
        t.take("eq")
        value = _literal(t.take())
        t.take(")")

        def matches(row: Row) -> bool:
            items = row.get(prop) or []
            return any(_equal(item.get(member), value) for item in items if isinstance(item, dict))

        return matches


# $search: `"prop:text"` clauses joined by AND / OR; needs ConsistencyLevel: eventual.

_CLAUSE = re.compile(r'"(?P<prop>[A-Za-z]+):(?P<text>[^"]*)"|(?P<op>AND|OR)', re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def _starts_a_word(value: str, text: str) -> bool:
    wanted = text.lower().strip()
    value = value.lower()
    return value.startswith(wanted) or any(w.startswith(wanted) for w in _WORDS.findall(value))


def parse_search(raw: str, searchable: Sequence[str], consistency: str | None) -> Predicate:
    if (consistency or "").lower() != "eventual":
        raise unsupported(
            "Request with $search query parameter only works through MSGraph with a special "
            "request header: 'ConsistencyLevel: eventual'"
        )
    by_lower = {name.lower(): name for name in searchable}
    clauses: list[Predicate] = []
    ops: list[str] = []
    pos = 0
    text = raw.strip()
    while pos < len(text):
        match = _CLAUSE.match(text, pos)
        if match is None:
            raise bad_request(f"Invalid $search value: {raw}")
        if match.group("op"):
            ops.append(match.group("op").upper())
        else:
            prop = by_lower.get(match.group("prop").lower())
            if prop is None:
                raise unsupported(f"Unsupported property '{match.group('prop')}' in $search.")
            clauses.append(_search_clause(prop, match.group("text")))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not clauses or (ops and len(ops) != len(clauses) - 1):
        raise bad_request(f"Invalid $search value: {raw}")
    any_of = all(op == "OR" for op in ops) and bool(ops)
    if any_of:
        return lambda row: any(c(row) for c in clauses)
    return lambda row: all(c(row) for c in clauses)


def _search_clause(prop: str, text: str) -> Predicate:
    return lambda row: isinstance(row.get(prop), str) and _starts_a_word(str(row[prop]), text)
