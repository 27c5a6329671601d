"""`python -m tools.devhost`: serve a function app locally until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType

from .host import DevHost, DevHostError
from .host_config import ConfigError, apply_local_settings, read_local_settings
from .registry import FunctionSource


class _StopRequested(Exception):
    pass


class AppLoadError(RuntimeError):
    """The `--app` module or attribute cannot be loaded."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: where the app is and where to listen."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.devhost", description="Serve an Azure Functions app locally."
    )
    parser.add_argument(
        "--app", default="function_app:app", help="module:attribute of the FunctionApp"
    )
    parser.add_argument("--port", type=int, default=7071, help="port on 127.0.0.1 (0: any)")
    parser.add_argument(
        "--root", default=".", help="folder holding host.json and local.settings.json"
    )
    return parser.parse_args(argv)


def load_app(spec: str, root: Path) -> FunctionSource:
    """Import `module:attribute` with `root` first on sys.path, as the worker imports the app."""
    module_name, _, attribute = spec.partition(":")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        traceback.print_exc()
        raise AppLoadError(f"cannot import {module_name!r}: {exc}") from exc
    app = getattr(module, attribute or "app", None)
    if app is None or not callable(getattr(app, "get_functions", None)):
        raise AppLoadError(f"{spec!r} is not a FunctionApp (no get_functions())")
    return app  # type: ignore[no-any-return]


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _StopRequested


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The storage SDK logs every poll's request and response at INFO.
    for noisy in ("azure", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run the host until a signal; return the process exit code."""
    args = parse_args(argv)
    _configure_logging()
    root = Path(args.root).resolve()
    # Installed before start so a signal during start still shuts down cleanly.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    host: DevHost | None = None
    code = 0
    try:
        apply_local_settings(read_local_settings(root))
        host = DevHost(load_app(args.app, root), root, args.port)
        host.start()
        for line in host.describe():
            print(f"  {line}")
        print(f"devhost listening on {host.url}", flush=True)
        while True:
            time.sleep(3600)
    except _StopRequested:
        pass
    except (ConfigError, DevHostError, AppLoadError) as exc:
        print(f"devhost: error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # A second Ctrl-C must not interrupt the orderly stop half-way.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if host is not None:
        host.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
