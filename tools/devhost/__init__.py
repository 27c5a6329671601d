"""A small local Azure Functions host for this app (Python v2 programming model).

It reads the app's registered functions (`app.get_functions()`) and plays the
Functions host for the HTTP, timer and queue triggers the app uses, so the app
runs locally without Core Tools. Run it with `python -m tools.devhost`, or use
`DevHost` from Python; README.md says what it implements and what it does not.
"""

from .host import DevHost, DevHostError

__all__ = ["DevHost", "DevHostError"]
