"""Timing, statistics, round-trip counting and the shape of a result."""

from __future__ import annotations

import os
import platform
import random
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Sizes:
    """How much work one run does (`--quick` or BENCH_* environment variables)."""

    quick: bool
    iterations: int  # timed calls per operation, in-process and raw
    http_iterations: int  # timed calls per operation through the dev host
    warmup: int  # untimed calls before each series
    cold_runs: int  # fresh interpreters per cold-start variant
    list_requests: int  # requests in the list tenant (90% completed)
    history_rounds: int  # timed calls of each search, oldest-first list and the export
    bulk_requests: int  # requests per bulk approval (and per series of single approvals)
    bulk_rounds: int  # interleaved rounds of one bulk approval and as many single ones
    email_messages: int  # queue messages drained by the email worker
    devhost_email_messages: int  # the same through the dev host's queue trigger (0: skip)
    retention_total: int  # requests in the large retention tenant
    retention_expired: int  # expired requests swept per run
    retention_rounds: int  # interleaved (large, small, raw) repeats
    fulfil_users: int  # users approved and licensed through the Graph emulator (0: skip)
    fulfil_threads: int  # threads of the informational concurrent fulfilment pass (0: skip)
    idle_tenants: int  # tenants of the last idle-minute step (steps: 1, a tenth, all)
    seed_threads: int

    @classmethod
    def from_env(cls, quick: bool) -> Sizes:
        def env(name: str, full: int, fast: int) -> int:
            return int(os.environ.get(f"BENCH_{name}", fast if quick else full))

        return cls(
            quick=quick,
            iterations=env("ITERATIONS", 200, 30),
            http_iterations=env("HTTP_ITERATIONS", 100, 20),
            warmup=env("WARMUP", 20, 5),
            cold_runs=env("COLD_RUNS", 10, 3),
            list_requests=env("LIST_REQUESTS", 10_000, 2_000),
            history_rounds=env("HISTORY_ROUNDS", 5, 3),
            bulk_requests=env("BULK_REQUESTS", 100, 100),
            bulk_rounds=env("BULK_ROUNDS", 5, 2),
            email_messages=env("EMAIL_MESSAGES", 1_000, 300),
            devhost_email_messages=env("DEVHOST_EMAIL_MESSAGES", 300, 0),
            retention_total=env("RETENTION_TOTAL", 100_000, 10_000),
            retention_expired=env("RETENTION_EXPIRED", 10_000, 1_000),
            retention_rounds=env("RETENTION_ROUNDS", 2, 1),
            fulfil_users=env("FULFIL_USERS", 1_000, 100),
            fulfil_threads=env("FULFIL_THREADS", 4, 2),
            idle_tenants=env("IDLE_TENANTS", 1_000, 1_000),
            seed_threads=env("SEED_THREADS", 4, 4),
        )


@dataclass
class Stats:
    """Durations of one series, in milliseconds (and the process's CPU time of each call,
    all threads, when measured)."""

    samples: list[float]
    cpu: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "n": self.n,
        }
        if self.cpu:
            out["cpu_median_ms"] = round(self.cpu_median, 3)
        return out


def timed(fn: Callable[[], Any]) -> float:
    """One call's duration in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """One call's duration and the process's CPU time over it (every thread), in ms."""
    cpu, start = time.process_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def interleaved(
    cases: dict[str, Callable[[int], Callable[[], Any]]], iterations: int, warmup: int
) -> dict[str, Stats]:
    """Run every case once per round (in a shuffled order), round after round, so drift
    and the after-effects of a heavy call hit them all alike.

    A case gets the iteration number (warm-up rounds are negative) and returns the call
    to time, so building its input (a request to approve, an HttpRequest) is not timed
    and a case that consumes something takes a fresh one each round.
    """
    series: dict[str, Stats] = {name: Stats([]) for name in cases}
    order = list(cases)
    shuffle = random.Random(4).shuffle  # a fixed seed: the same orders every run
    for i in range(-warmup, iterations):
        # A new order each round: no case always runs right after a heavy one.
        shuffle(order)
        for name in order:
            ms, cpu = timed_cpu(cases[name](i))
            if i >= 0:
                series[name].samples.append(ms)
                series[name].cpu.append(cpu)
    return series


@dataclass
class Counter:
    """Storage round trips seen on the wire (an SDK `raw_request_hook`)."""

    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hook(self, request: Any) -> None:
        http = request.http_request
        with self._lock:
            self.calls.append(f"{http.method} {http.url.split('?')[0]}")

    def take(self) -> list[str]:
        with self._lock:
            taken, self.calls = self.calls, []
        return taken


def result(
    value: float, target: float, *, at_most: bool = True, digits: int = 3, **raw: Any
) -> dict[str, Any]:
    """A results.json entry: the figure, its target, whether it meets it, and its inputs."""
    ok = value <= target if at_most else value >= target
    return {"value": round(value, digits), "target": target, "pass": bool(ok), **raw}


def ratio(numerator: float, parts: Iterable[float]) -> float:
    total = sum(parts)
    return numerator / total if total else float("nan")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state() -> dict[str, Any]:
    """The commit measured, and how many files differed from it (others edit the tree)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_files": len(changed)}


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": git_state(),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
