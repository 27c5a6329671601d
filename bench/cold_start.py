"""Cold start: a fresh interpreter importing function_app, against the SDKs alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Any

from .app import ROOT
from .harness import Stats

APP = "import function_app"
BASELINE = "import azure.functions, azure.data.tables"
BARE = "pass"
# Diagnostic: the import plus the first invocation (deferred imports, container, first read).
FIRST_CALL = """
import os, azure.functions as func, function_app
fns = {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}
auth = {"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]}
url = "http://localhost/api/settings/request-process"
reply = fns["get_request_process"](func.HttpRequest("GET", url, headers=auth, body=b""))
assert reply.status_code == 200, reply.get_body()
"""


def _env(storage_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "EMAIL_"))}
    env.update(storage_env)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(code: str, env: dict[str, str], *flags: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{code!r} failed: {done.stderr[-2000:]}")
    return elapsed, done.stderr


def measure(storage_env: dict[str, str], runs: int) -> dict[str, Stats]:
    """Interleaved fresh interpreters (one warm-up each, so the OS file cache is warm)."""
    env = _env(storage_env)
    variants = {
        "function_app": APP,
        "sdk_baseline": BASELINE,
        "bare_python": BARE,
        "first_call": FIRST_CALL,
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(-1, runs):
        for name, code in variants.items():
            ms, _ = _run(code, env)
            if i >= 0:
                samples[name].append(ms)
    return {name: Stats(s) for name, s in samples.items()}


def heaviest_imports(storage_env: dict[str, str], code: str = APP, top: int = 12) -> list[Any]:
    """`-X importtime` of one cold import: the modules with the largest cumulative time."""
    _, stderr = _run(code, _env(storage_env), "-X", "importtime")
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)), m.group(4)))
    # Top-level entries (least indented) carry the cumulative time of what they pulled in.
    outer = min((depth for _, depth, _ in rows), default=0)
    heads = sorted((r for r in rows if r[1] <= outer + 2), reverse=True)[:top]
    return [{"module": name, "cumulative_ms": round(us / 1000, 1)} for us, _, name in heads]
