"""Run the Graph emulator, or print a token from a running one.

python -m tools.graph_emulator [--port 7072] [--state-dir .local/graph-emulator]
                               [--seed demo|none] [--fresh] [--quiet]
python -m tools.graph_emulator token [TENANT] [--url https://127.0.0.1:7072]
                               [--state-dir .local/graph-emulator]
"""

from __future__ import annotations

import argparse
import logging
import signal
import ssl
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from urllib.parse import quote

from .seed import DEMO_TENANT, SEEDS

DEFAULT_PORT = 7072
DEFAULT_STATE_DIR = ".local/graph-emulator"


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.graph_emulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1 (0: any free one)"
    )
    parser.add_argument(
        "--state-dir", default=DEFAULT_STATE_DIR, help="certificates, key and saved directory"
    )
    parser.add_argument(
        "--seed", choices=SEEDS, default="demo", help="the directory when none is saved"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="ignore the saved directory; start from the seed"
    )
    parser.add_argument("--quiet", action="store_true", help="log only warnings, not every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s graph-emulator %(message)s",
        stream=sys.stderr,
    )
    from .server import GraphEmulator

    emulator = GraphEmulator(args.port, Path(args.state_dir), seed=args.seed, fresh=args.fresh)
    stop = threading.Event()

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        base = emulator.start()
    except OSError as exc:
        print(f"graph emulator: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"graph emulator listening on {base} (CA: {emulator.ca_cert})", flush=True)
    stop.wait()
    emulator.stop()
    return 0


def _token(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.graph_emulator token",
        description="Print a Graph access token (every role) from a running emulator.",
    )
    parser.add_argument("tenant", nargs="?", default=DEMO_TENANT)
    parser.add_argument("--url", default=f"https://127.0.0.1:{DEFAULT_PORT}")
    parser.add_argument(
        "--state-dir", default=DEFAULT_STATE_DIR, help="where the emulator's ca.pem is"
    )
    args = parser.parse_args(argv)
    context = None
    if args.url.startswith("https:"):
        context = ssl.create_default_context(cafile=str(Path(args.state_dir) / "ca.pem"))
    url = f"{args.url.rstrip('/')}/_emulator/token?tenant={quote(args.tenant)}"
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    try:
        with opener.open(url, timeout=10) as response:
            sys.stdout.write(response.read().decode() + "\n")
    except urllib.error.HTTPError as exc:
        print(f"graph emulator: {exc.code} {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except (OSError, ssl.SSLError) as exc:
        print(f"graph emulator: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "token":
        return _token(args[1:])
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
