"""A stateful local Microsoft Graph (and identity platform) emulator, for development and
tests only (never deployed). See tools/graph_emulator/README.md.

    python -m tools.graph_emulator [--port 7072] [--state-dir .local/graph-emulator] [--seed demo]

In-process: `GraphEmulator(port=0, state_dir=...).start()` returns its base URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .seed import DEMO_TENANT, DEV_CLIENT_ID, DEV_CLIENT_SECRET, seeded_user_id

if TYPE_CHECKING:
    from .server import GraphEmulator as GraphEmulator

__all__ = ["DEMO_TENANT", "DEV_CLIENT_ID", "DEV_CLIENT_SECRET", "GraphEmulator", "seeded_user_id"]


def __getattr__(name: str) -> Any:
    # The server (cryptography, PyJWT) loads only when asked for: tools that just need the
    # seed's ids stay light.
    if name == "GraphEmulator":
        from .server import GraphEmulator

        return GraphEmulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
