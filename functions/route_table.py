"""The app's HTTP route table: each HTTP function's route template and methods, read from
its bindings, and which endpoint a path belongs to.

Templates are matched the way the Functions host routes (ASP.NET route templates):
literal segments case-insensitively, `{name}` fills one segment, a final `{*name}` takes
the rest (possibly nothing). Loaded on first use (functions/_routes.py), not at indexing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROUTE_PREFIX = "api"
_PARAMETER = re.compile(r"^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}$")


@dataclass(frozen=True)
class Segment:
    """One segment of a route template."""

    text: str
    parameter: str | None = None
    catch_all: bool = False


@dataclass(frozen=True)
class HttpRoute:
    """An HTTP function's route (without the route prefix) and methods (None: all)."""

    function: str
    route: str
    methods: frozenset[str] | None
    segments: tuple[Segment, ...]

    @property
    def is_catch_all(self) -> bool:
        """A route that is only a catch-all (`{*rest}`): it takes what no other route does."""
        return len(self.segments) == 1 and self.segments[0].catch_all

    @property
    def precedence(self) -> tuple[int, ...]:
        """ASP.NET's order of specificity, segment by segment: a literal (0) before a
        parameter (1) before a catch-all (2); lower is more specific."""
        return tuple(2 if s.catch_all else 1 if s.parameter else 0 for s in self.segments)

    @property
    def parameters(self) -> list[str]:
        """Its route parameters, in order."""
        return [s.parameter for s in self.segments if s.parameter]

    def matches(self, path: str) -> bool:
        """Whether the template matches `path` (relative to the prefix, no query)."""
        parts = path.strip("/").split("/") if path.strip("/") else []
        for index, segment in enumerate(self.segments):
            if segment.catch_all:
                return True
            if index >= len(parts) or not parts[index]:
                return False
            if segment.parameter is None and parts[index].casefold() != segment.text.casefold():
                return False
        return len(parts) == len(self.segments)


def parse_route(function: str, route: str, methods: Iterable[str] | None) -> HttpRoute:
    """An HttpRoute from a binding's route template and methods."""
    text = route.strip("/")
    segments: list[Segment] = []
    for part in text.split("/") if text else []:
        found = _PARAMETER.match(part)
        if found:
            segments.append(Segment(part, found.group(2), found.group(1) == "*"))
        else:
            segments.append(Segment(part))
    allowed = None if methods is None else frozenset(str(m).upper() for m in methods)
    return HttpRoute(function, text, allowed, tuple(segments))


class RouteTable:
    """The HTTP routes of the app, in registration order."""

    def __init__(self, routes: Iterable[HttpRoute], prefix: str = DEFAULT_ROUTE_PREFIX) -> None:
        self.routes = tuple(routes)
        self.prefix = prefix.strip("/")

    @classmethod
    def of(cls, functions: Iterable[Any], prefix: str = DEFAULT_ROUTE_PREFIX) -> RouteTable:
        """The table of an app's built functions (`get_functions()`)."""
        routes = []
        for fn in functions:
            for binding in json.loads(fn.get_function_json()).get("bindings", []):
                if binding.get("type") == "httpTrigger":
                    name = fn.get_function_name()
                    route = str(binding.get("route") or name)
                    routes.append(parse_route(name, route, binding.get("methods") or None))
        return cls(routes, prefix)

    @property
    def endpoints(self) -> list[HttpRoute]:
        """Every route but the catch-all."""
        return [r for r in self.routes if not r.is_catch_all]

    def allowed_methods(self, path: str) -> set[str]:
        """The methods of the endpoint at `path` (empty: no endpoint there).

        As OpenAPI reads paths, the most specific template owns a path: `products/sync`
        answers POST, whatever `products/{productId}` answers.
        """
        matching = [r for r in self.endpoints if r.matches(path)]
        if not matching:
            return set()
        best = min(r.precedence for r in matching)
        allowed: set[str] = set()
        for route in matching:
            if route.precedence == best:
                allowed |= route.methods if route.methods is not None else {"*"}
        return allowed


def route_prefix(root: Path = ROOT) -> str:
    """`extensions.http.routePrefix` of host.json (default `api`)."""
    try:
        host = json.loads((root / "host.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DEFAULT_ROUTE_PREFIX
    http = host.get("extensions", {}).get("http", {})
    prefix = http.get("routePrefix", DEFAULT_ROUTE_PREFIX)
    return str(prefix).strip("/") if prefix is not None else DEFAULT_ROUTE_PREFIX
