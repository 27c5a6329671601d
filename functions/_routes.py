"""The app's own route table, read from its registered functions, on first use.

`app.get_functions()` builds the function list and refuses to run twice on one app (the
second call raises: duplicate function names). The Functions host calls it once to index
the app; `RoutedFunctionApp` keeps that list so the app can read its routes too (the
catch-all's 404 / 405 and `/api/openapi.json`), on the first request that needs them:
indexing stays as cheap as before (functions/route_table.py loads then).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import azure.functions as func

from shared.lazy import lazy_import

if TYPE_CHECKING:
    from functions import route_table
    from functions.route_table import RouteTable
else:
    route_table = lazy_import("functions.route_table")


class RoutedFunctionApp(func.FunctionApp):
    """A FunctionApp whose function list is built once and kept for later readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built: list[Any] | None = None
        self._building = threading.Lock()

    def get_functions(self) -> list[Any]:
        """The registered functions (built on the first call, the same ones after)."""
        with self._building:
            if self._built is None:
                self._built = list(super().get_functions())
            return list(self._built)


_source: func.FunctionApp | None = None
_table: RouteTable | None = None
_reading = threading.Lock()


def serve_routes_of(app: func.FunctionApp) -> None:
    """The app whose functions `table()` describes (function_app calls this once)."""
    global _source, _table
    with _reading:
        _source, _table = app, None


def table() -> RouteTable:
    """The route table of the app given to `serve_routes_of` (read once, on first use)."""
    global _table
    with _reading:
        if _table is None:
            if _source is None:
                raise RuntimeError("serve_routes_of(app) was not called")
            functions = _source.get_functions()
            _table = route_table.RouteTable.of(functions, route_table.route_prefix())
        return _table
