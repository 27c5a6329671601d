"""Mint a local dev token (AUTH_MODE=dev only).

    python -m tools.token --tenant contoso --user alice@contoso.com [--name "Alice"]
        [--admin | --role global|license|user]

For a person of the local Graph emulator's demo directory (tenant contoso), the token's
`oid` is their object id there, as a real token's would be.

Prints just the token on stdout, so `TOKEN=$(python -m tools.token ...)` works. The
signing secret is DEV_JWT_SECRET (see shared/config.py); refuses to run unless AUTH_MODE
is dev, because such tokens are worthless (and misleading) against a production app.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta

from shared.adapters.auth import mint_dev_token
from shared.config import SettingsError, load_settings
from shared.domain.identity import ADMIN_ROLES
from tools.graph_emulator.seed import seeded_user_id


def _positive_hours(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{raw!r} must be a positive number of hours")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.token",
        description="Print an HS256 dev token for AUTH_MODE=dev (signed with DEV_JWT_SECRET).",
    )
    parser.add_argument("--tenant", required=True, help="tenant id (becomes the tid claim)")
    parser.add_argument("--user", required=True, help="the user's email (preferred_username)")
    parser.add_argument("--name", default=None, help="display name (default: email local part)")
    roles = parser.add_mutually_exclusive_group()
    roles.add_argument(
        "--admin", action="store_true", help="make the user a global admin (= --role global)"
    )
    roles.add_argument(
        "--role",
        choices=ADMIN_ROLES,
        default=None,
        help="an admin role that may manage requests: Global, License or User Administrator",
    )
    parser.add_argument(
        "--hours", type=_positive_hours, default=8.0, help="lifetime in hours (default: 8)"
    )
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    environ = os.environ if env is None else env
    mode = environ.get("AUTH_MODE", "dev")
    if mode != "dev":
        parser.exit(2, f"{parser.prog}: error: AUTH_MODE={mode!r}; dev tokens need AUTH_MODE=dev\n")
    try:
        settings = load_settings(environ)
    except SettingsError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    if settings.auth_mode != "dev":  # pragma: no cover - guarded above
        parser.exit(2, f"{parser.prog}: error: dev tokens need AUTH_MODE=dev\n")
    try:
        token = mint_dev_token(
            settings.dev_jwt_secret,
            args.tenant,
            args.user,
            name=args.name,
            admin=args.admin,
            role=args.role,
            lifetime=timedelta(hours=args.hours),
            # A person of the emulator's demo directory gets the object id a real token
            # would carry: the app finds them in the directory by it.
            user_id=seeded_user_id(args.user, tenant=args.tenant),
        )
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
