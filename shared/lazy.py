"""Deferred imports: the Functions host imports function_app to index the functions; the
app's heavier modules (pydantic models, JWT, storage SDKs) load on the first invocation."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, cast


class _Deferred:
    """Stands for a module until an attribute is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        # import_module takes the import system's per-module lock, so concurrent first
        # calls wait for one complete import (importlib.util.LazyLoader does not, on 3.11).
        return getattr(importlib.import_module(self._name), attribute)


def lazy_import(name: str) -> ModuleType:
    """`name`, imported on first attribute access rather than now."""
    return cast(ModuleType, _Deferred(name))
