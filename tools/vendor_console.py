"""Copy the console's browser libraries from node_modules into console/vendor/ (committed).

The function app is deployed without node_modules, so the MSAL.js bundles the console
loads in entra mode live in `console/vendor/`, named with their version (served as
immutable). `console/vendor/manifest.json` records the version and SHA-256 of each file;
tests check it against package-lock.json.

    python -m tools.vendor_console           # after changing @azure/msal-browser's version
    python -m tools.vendor_console --check   # exit 1 if console/vendor/ is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "console" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
PACKAGE = "@azure/msal-browser"
# (key used by the console, file inside the package, vendored name without version)
FILES = (
    ("msal", "lib/msal-browser.min.js", "msal-browser"),
    ("redirectBridge", "lib/redirect-bridge/msal-redirect-bridge.min.js", "msal-redirect-bridge"),
)
LICENSE_NAME = "msal-browser.LICENSE.txt"


def locked_version(root: Path = ROOT) -> str:
    """The version of the package that package-lock.json pins."""
    lock = json.loads((root / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{PACKAGE}"]["version"])


def sha256(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def build_manifest(root: Path = ROOT) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files to write, from node_modules (which must match the lock)."""
    package_dir = root / "node_modules" / PACKAGE
    installed = json.loads((package_dir / "package.json").read_text())["version"]
    version = locked_version(root)
    if installed != version:
        raise SystemExit(
            f"node_modules has {PACKAGE} {installed}, package-lock.json pins {version}: "
            "run npm ci first"
        )
    files: dict[str, bytes] = {}
    entries: dict[str, dict[str, str]] = {}
    for key, source, stem in FILES:
        data = (package_dir / source).read_bytes()
        name = f"{stem}-{version}.min.js"
        files[name] = data
        entries[key] = {"file": name, "source": f"{PACKAGE}/{source}", "sha256": sha256(data)}
    files[LICENSE_NAME] = (package_dir / "LICENSE").read_bytes()
    manifest = {"package": PACKAGE, "version": version, "files": entries}
    return manifest, files


def _manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2) + "\n"


def write(root: Path = ROOT) -> list[str]:
    """Write console/vendor/ from node_modules; returns the names written."""
    manifest, files = build_manifest(root)
    vendor = root / "console" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    keep = {*files, "manifest.json"}
    for old in vendor.iterdir():
        if old.is_file() and old.name not in keep:
            old.unlink()
    for name, data in files.items():
        (vendor / name).write_bytes(data)
    (vendor / "manifest.json").write_text(_manifest_text(manifest))
    return sorted(keep)


def stale(root: Path = ROOT) -> list[str]:
    """What differs between console/vendor/ and what `write` would produce."""
    manifest, files = build_manifest(root)
    vendor = root / "console" / "vendor"
    problems = [
        name
        for name, data in files.items()
        if not (vendor / name).is_file() or (vendor / name).read_bytes() != data
    ]
    current = vendor / "manifest.json"
    if not current.is_file() or current.read_text() != _manifest_text(manifest):
        problems.append("manifest.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report a stale vendor dir")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        if problems:
            print(f"console/vendor is stale: {', '.join(problems)}", file=sys.stderr)
            print("run: python -m tools.vendor_console", file=sys.stderr)
            return 1
        print("console/vendor matches package-lock.json")
        return 0
    for name in write():
        print(f"console/vendor/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
