"""ASP.NET Core-style route templates: parameters, constraints, optionals, catch-alls, precedence.

The Functions host routes with ASP.NET Core, so the dev host copies its rules
where an app could observe the difference: case-insensitive literals,
constraints checked after the match, and literal segments winning over
parameters (`requests/mine` beats `requests/{id}`) whatever the order of
registration.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

_T = TypeVar("_T")


class RouteError(ValueError):
    """A route template cannot be parsed, or uses a constraint ASP.NET would reject."""


@dataclass(frozen=True)
class Constraint:
    """One inline constraint such as `int` or `minlength(3)`."""

    text: str
    check: Callable[[str], bool]


@dataclass(frozen=True)
class Parameter:
    """A `{name...}` part of a route template."""

    name: str
    constraints: tuple[Constraint, ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False


Part = str | Parameter


def _parse_int(value: str, low: int, high: int) -> bool:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        return False
    return low <= int(text) <= high


def _parse_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _parse_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _parse_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _number(arg: str, constraint: str) -> float:
    try:
        number = float(arg)
    except ValueError as exc:
        raise RouteError(f"constraint {constraint}: {arg!r} is not a number") from exc
    if math.isnan(number):
        raise RouteError(f"constraint {constraint}: {arg!r} is not a number")
    return number


def _args(arg: str | None, count: int, constraint: str) -> list[float]:
    parts = [] if arg is None else [a.strip() for a in arg.split(",")]
    if len(parts) != count:
        raise RouteError(f"constraint {constraint} takes {count} argument(s)")
    return [_number(a, constraint) for a in parts]


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def make_constraint(name: str, arg: str | None) -> Constraint:
    """Build the check for one ASP.NET inline constraint; unknown names are an error."""
    text = name if arg is None else f"{name}({arg})"
    key = name.lower()
    simple: dict[str, Callable[[str], bool]] = {
        "int": lambda v: _parse_int(v, *_INT32),
        "long": lambda v: _parse_int(v, *_INT64),
        "bool": lambda v: v.strip().lower() in ("true", "false"),
        "float": _parse_float,
        "double": _parse_float,
        "decimal": _parse_float,
        "datetime": _parse_datetime,
        "guid": _parse_guid,
        "alpha": lambda v: re.fullmatch(r"[a-z]*", v, re.IGNORECASE) is not None,
        "required": lambda v: v != "",
        "file": lambda v: "." in v.rsplit("/", 1)[-1],
        "nonfile": lambda v: "." not in v.rsplit("/", 1)[-1],
    }
    if key in simple:
        if arg is not None:
            raise RouteError(f"constraint {text} takes no argument")
        return Constraint(text, simple[key])
    if key == "regex":
        if arg is None:
            raise RouteError("constraint regex needs a pattern")
        try:
            # ASP.NET evaluates the pattern unanchored and case-insensitively.
            pattern = re.compile(arg, re.IGNORECASE)
        except re.error as exc:
            raise RouteError(f"constraint {text}: {exc}") from exc
        return Constraint(text, lambda v: pattern.search(v) is not None)
    if key in ("minlength", "maxlength"):
        (limit,) = _args(arg, 1, text)
        if key == "minlength":
            return Constraint(text, lambda v: len(v) >= limit)
        return Constraint(text, lambda v: len(v) <= limit)
    if key == "length":
        if arg is not None and "," in arg:
            low, high = _args(arg, 2, text)
        else:
            (low,) = _args(arg, 1, text)
            high = low
        return Constraint(text, lambda v: low <= len(v) <= high)
    if key in ("min", "max", "range"):
        # ASP.NET's min/max/range compare 64-bit integers; anything else fails.
        low, high = -math.inf, math.inf
        if key == "range":
            low, high = _args(arg, 2, text)
        elif key == "min":
            (low,) = _args(arg, 1, text)
        else:
            (high,) = _args(arg, 1, text)
        return Constraint(text, lambda v: _parse_int(v, *_INT64) and low <= int(v.strip()) <= high)
    raise RouteError(f"unknown route constraint {text!r}")


def _split_constraint_arg(rest: str) -> tuple[str, str]:
    """Split `(arg)tail` at the `)` that closes the argument, as ASP.NET's parser does.

    A `)` closes the argument only when what follows it can follow a
    constraint (end, `:`, `=`, or a final `?`), so regexes with groups survive.
    """
    for index, char in enumerate(rest):
        if char != ")":
            continue
        tail = rest[index + 1 :]
        if tail == "" or tail == "?" or tail.startswith((":", "=")):
            return rest[1:index], tail
    raise RouteError(f"unclosed constraint argument in {rest!r}")


def _parse_parameter(body: str, template: str) -> Parameter:
    catch_all = body.startswith("*")
    rest = body.lstrip("*") if catch_all else body
    name_match = re.match(r"[^:=?]+", rest)
    if name_match is None or any(c in name_match.group(0) for c in "{}/*"):
        raise RouteError(f"route {template!r}: bad parameter {{{body}}}")
    name = name_match.group(0).strip()
    rest = rest[name_match.end() :]
    constraints: list[Constraint] = []
    while rest.startswith(":"):
        constraint_match = re.match(r":([A-Za-z_][A-Za-z0-9_]*)", rest)
        if constraint_match is None:
            raise RouteError(f"route {template!r}: bad constraint in {{{body}}}")
        rest = rest[constraint_match.end() :]
        arg = None
        if rest.startswith("("):
            arg, rest = _split_constraint_arg(rest)
        constraints.append(make_constraint(constraint_match.group(1), arg))
    optional, default = False, None
    if rest.startswith("="):
        default = rest[1:]
    elif rest == "?":
        optional = True
    elif rest:
        raise RouteError(f"route {template!r}: bad parameter {{{body}}}")
    if catch_all and optional:
        raise RouteError(f"route {template!r}: a catch-all parameter cannot be optional")
    return Parameter(name, tuple(constraints), optional, default, catch_all)


def _read_parameter_body(template: str, start: int) -> tuple[str, int]:
    """Read `{...}` starting after the `{`; `{{`/`}}` escape braces. Return body, next index."""
    body: list[str] = []
    index = start
    while index < len(template):
        char = template[index]
        pair = template[index : index + 2]
        if pair in ("{{", "}}"):
            body.append(char)
            index += 2
            continue
        if char == "}":
            return "".join(body), index + 1
        if char == "{":
            raise RouteError(f"route {template!r}: unescaped '{{' inside a parameter")
        body.append(char)
        index += 1
    raise RouteError(f"route {template!r}: unclosed '{{'")


def parse_template(template: str) -> list[list[Part]]:
    """Split a route template into segments of literal and parameter parts."""
    text = template.removeprefix("~").lstrip("/")
    segments: list[list[Part]] = []
    parts: list[Part] = []
    literal: list[str] = []
    index = 0

    def flush_literal() -> None:
        if literal:
            parts.append("".join(literal))
            literal.clear()

    while index < len(text):
        char = text[index]
        pair = text[index : index + 2]
        if char == "/":
            flush_literal()
            if not parts:
                raise RouteError(f"route {template!r}: empty segment")
            segments.append(parts)
            parts = []
            index += 1
        elif pair in ("{{", "}}"):
            literal.append(char)
            index += 2
        elif char == "{":
            body, index = _read_parameter_body(text, index + 1)
            flush_literal()
            if parts and isinstance(parts[-1], Parameter):
                raise RouteError(f"route {template!r}: two parameters need a literal between")
            parts.append(_parse_parameter(body, template))
        elif char == "}":
            raise RouteError(f"route {template!r}: unmatched '}}'")
        else:
            literal.append(char)
            index += 1
    flush_literal()
    if parts:
        segments.append(parts)
    return segments


def _segment_digit(parts: list[Part]) -> int:
    """ASP.NET's inbound precedence digit: lower is more specific."""
    if len(parts) > 1:
        return 2
    part = parts[0]
    if isinstance(part, str):
        return 1
    digit = 5 if part.catch_all else 3
    return digit - 1 if part.constraints else digit


@dataclass
class RouteTemplate:
    """A compiled route template that matches decoded request paths."""

    text: str
    parameters: list[Parameter] = field(init=False)
    precedence: tuple[int, ...] = field(init=False)
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        segments = parse_template(self.text)
        self.parameters = []
        self.precedence = tuple(_segment_digit(s) for s in segments)
        pattern: list[str] = []
        for position, parts in enumerate(segments):
            pattern.append(self._segment_pattern(parts, position == len(segments) - 1))
        names = [p.name.lower() for p in self.parameters]
        if len(names) != len(set(names)):
            raise RouteError(f"route {self.text!r}: a parameter name is used twice")
        self._regex = re.compile("^" + "".join(pattern) + "$", re.IGNORECASE | re.DOTALL)

    def _group(self, parameter: Parameter) -> str:
        self.parameters.append(parameter)
        return f"g{len(self.parameters) - 1}"

    def _segment_pattern(self, parts: list[Part], last: bool) -> str:
        if len(parts) == 1 and isinstance(parts[0], Parameter):
            param = parts[0]
            group = self._group(param)
            if param.catch_all:
                if not last:
                    raise RouteError(f"route {self.text!r}: a catch-all must be the last segment")
                return f"(?:/(?P<{group}>.*))?"
            if param.optional or param.default is not None:
                return f"(?:/(?P<{group}>[^/]+))?"
            return f"/(?P<{group}>[^/]+)"
        pattern = ["/"]
        for index, part in enumerate(parts):
            if isinstance(part, str):
                pattern.append(re.escape(part))
                continue
            if part.catch_all:
                raise RouteError(f"route {self.text!r}: a catch-all must be a whole segment")
            group = self._group(part)
            is_last = index == len(parts) - 1
            if part.optional and is_last and pattern[-1] == re.escape("."):
                # `{name}.{ext?}`: as in ASP.NET, the dot goes away with the extension,
                # and the extension is what follows the last dot.
                pattern[-1] = rf"(?:\.(?P<{group}>[^/.]+))?"
                if pattern[-2].endswith("[^/]+)"):
                    pattern[-2] = pattern[-2][: -len("[^/]+)")] + "[^/]+?)"
            elif part.optional:
                raise RouteError(
                    f"route {self.text!r}: an optional parameter in a complex segment must "
                    f"end it after a '.'"
                )
            else:
                # Greedy, so a.b.c against {name}.{ext} gives name=a.b like ASP.NET.
                pattern.append(f"(?P<{group}>[^/]+)")
        return "".join(pattern)

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for a decoded path such as `/api/items/3`, or None."""
        found = self._regex.match(path)
        if found is None:
            return None
        values: dict[str, str] = {}
        for index, param in enumerate(self.parameters):
            value = found.group(f"g{index}")
            if value is None or (param.catch_all and value == ""):
                if param.default is None:
                    continue
                value = param.default
            if not all(c.check(value) for c in param.constraints):
                return None
            values[param.name] = value
        return values


@dataclass(frozen=True)
class _Route(Generic[_T]):
    template: RouteTemplate
    methods: frozenset[str] | None
    target: _T
    order: int


class Router(Generic[_T]):
    """Routes (template, methods) pairs to targets, most specific template first."""

    def __init__(self) -> None:
        self._routes: list[_Route[_T]] = []

    def add(self, template: str, methods: Iterable[str] | None, target: _T) -> RouteTemplate:
        """Register a template; raises RouteError when ASP.NET would reject it."""
        compiled = RouteTemplate(template)
        allowed = None if methods is None else frozenset(m.upper() for m in methods)
        self._routes.append(_Route(compiled, allowed, target, len(self._routes)))
        # TreeRouter's order: precedence, then template text, then registration.
        self._routes.sort(key=lambda r: (r.template.precedence, r.template.text.lower(), r.order))
        return compiled

    def match(self, method: str, path: str) -> tuple[_T, dict[str, str]] | None:
        """The target and route values for a request, or None (the host then answers 404)."""
        normalized = path.rstrip("/")
        verb = method.upper()
        for route in self._routes:
            if route.methods is not None and verb not in route.methods:
                continue
            values = route.template.match(normalized)
            if values is not None:
                return route.target, values
        return None
