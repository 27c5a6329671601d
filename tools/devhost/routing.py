"""Route templates, the part of ASP.NET Core routing (which the Functions host uses) this app needs.

A template is literal segments, `{name}` parameters that fill a whole segment,
and at most one catch-all `{*name}` as the last segment. As in ASP.NET, literals
match case-insensitively and a literal segment beats a parameter whatever the
order of registration (`requests/mine` beats `requests/{id}`). Everything else
ASP.NET accepts (constraints such as `{id:int}`, optional or default values,
several parts in one segment) is refused with RouteError, so an app that starts
using one fails at start instead of being routed differently than on Azure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

_T = TypeVar("_T")
_PARAMETER = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)\}")
# ASP.NET's precedence digits: lower is more specific.
_LITERAL, _PARAM, _CATCH_ALL = 1, 3, 5


class RouteError(ValueError):
    """A route template is malformed or uses routing the dev host does not implement."""


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled template: matches decoded request paths such as `/api/items/3`."""

    text: str
    regex: re.Pattern[str]
    precedence: tuple[int, ...]

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        """Compile a template; raises RouteError for anything beyond the supported subset."""
        text = template.strip("/")
        segments = text.split("/") if text else []
        pattern: list[str] = []
        precedence: list[int] = []
        names: set[str] = set()
        for index, segment in enumerate(segments):
            found = _PARAMETER.fullmatch(segment)
            if found is None:
                if not segment or "{" in segment or "}" in segment:
                    raise RouteError(
                        f"route {template!r}: segment {segment!r} is not supported by the dev "
                        f"host (only literals, {{name}} and a final {{*name}})"
                    )
                pattern.append("/" + re.escape(segment))
                precedence.append(_LITERAL)
                continue
            catch_all, name = found.group(1) == "*", found.group(2)
            if name.lower() in names:
                raise RouteError(f"route {template!r}: parameter {name!r} is used twice")
            names.add(name.lower())
            if not catch_all:
                pattern.append(f"/(?P<{name}>[^/]+)")
                precedence.append(_PARAM)
            elif index == len(segments) - 1:
                pattern.append(f"(?:/(?P<{name}>.+))?")
                precedence.append(_CATCH_ALL)
            else:
                raise RouteError(f"route {template!r}: a catch-all must be the last segment")
        regex = re.compile("^" + "".join(pattern) + "$", re.IGNORECASE | re.DOTALL)
        return cls(text, regex, tuple(precedence))

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for a decoded path without its trailing slash, or None."""
        found = self.regex.match(path)
        if found is None:
            return None
        return {name: value for name, value in found.groupdict().items() if value is not None}


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

    def add(self, template: str, methods: Iterable[str] | None, target: _T) -> None:
        """Register a template; `methods` None means every method."""
        allowed = None if methods is None else frozenset(m.upper() for m in methods)
        compiled = RouteTemplate.parse(template)
        self._routes.append(_Route(compiled, allowed, target, len(self._routes)))
        # ASP.NET's order: precedence, then template text, then registration.
        self._routes.sort(key=lambda r: (r.template.precedence, r.template.text.lower(), r.order))

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
