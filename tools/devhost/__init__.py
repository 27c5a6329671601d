"""A small, generic local Azure Functions host for Python v2-model apps.

It reads the app's registered functions (`app.get_functions()`) and plays
the Functions host for HTTP, timer and queue triggers, so the app runs
locally without Core Tools. Run it with `python -m tools.devhost`, or use
`DevHost` from tests.
"""

from .host import DevHost, DevHostError
from .host_config import ConfigError, apply_local_settings, read_local_settings

__all__ = ["ConfigError", "DevHost", "DevHostError", "apply_local_settings", "read_local_settings"]
