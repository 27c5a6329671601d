"""results.json, the printed table and bench/README.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _detail(key: str, entry: dict[str, Any]) -> str:
    if key.startswith("ratio_inprocess."):
        raw = " + ".join(f"{k} {v:.2f}" for k, v in entry["raw_medians_ms"].items())
        return f"{entry['inprocess_median_ms']:.2f} ms vs {raw} = {entry['raw_sum_ms']:.2f} ms"
    if key.startswith("round_trips."):
        return ", ".join(entry["calls"])
    if key == "ratio_list_10k":
        return f"{entry['list_median_ms']:.2f} ms vs raw page {entry['raw_page_median_ms']:.2f} ms"
    if key == "ratio_cold_start":
        return (
            f"{entry['function_app_median_ms']:.0f} ms vs {entry['sdk_baseline_median_ms']:.0f} ms"
            f" (bare python {entry['bare_python_median_ms']:.0f} ms)"
        )
    if key == "email_per_second":
        return f"{entry['emails_per_second']:.0f} emails/s, {entry['messages']} messages"
    if key == "retention.ratio_table_size":
        return f"{entry['large_median_s']:.2f} s vs {entry['small_median_s']:.2f} s"
    if key == "retention.ratio_raw_delete":
        return (
            f"{entry['sweep_median_s']:.2f} s vs {entry['raw_median_s']:.2f} s, "
            f"{entry['rows_deleted']} rows, {entry['sweep_round_trips']} round trips"
        )
    return ""


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for key, entry in results.items():
        if isinstance(entry, dict) and "target" in entry and "pass" in entry:
            op = "≥" if key == "email_per_second" else "≤"
            rows.append(
                (
                    key,
                    _fmt(entry["value"]),
                    f"{op} {_fmt(entry['target'])}",
                    "pass" if entry["pass"] else "FAIL",
                    _detail(key, entry),
                )
            )
    return rows


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| figure | value | target | | from |", "|---|---:|---|---|---|"]
    lines += [f"| `{k}` | {v} | {t} | {p} | {d} |" for k, v, t, p, d in table_rows(results)]
    return "\n".join(lines)


def secondary_tables(results: dict[str, Any]) -> str:
    raw = results.get("raw", {})
    lines = ["| raw call | median ms | p95 ms |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['median_ms']:.2f} | {v['p95_ms']:.2f} |" for k, v in raw.items()]
    http = {k: v for k, v in results.items() if k.startswith("http.")}
    if http:
        lines += [
            "",
            "| operation | in-process median ms | p95 | dev host HTTP median ms | p95 |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, entry in http.items():
            op = key.split(".", 1)[1]
            inproc = results.get(f"ratio_inprocess.{op}", {})
            lines.append(
                f"| {op} | {inproc.get('inprocess_median_ms', float('nan')):.2f} | "
                f"{inproc.get('inprocess_p95_ms', float('nan')):.2f} | "
                f"{entry['median_ms']:.2f} | {entry['p95_ms']:.2f} |"
            )
    return "\n".join(lines)


def print_table(results: dict[str, Any]) -> None:
    rows = [("figure", "value", "target", "", "from"), *table_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
    print()
    print(secondary_tables(results))
    print()


def write(results: dict[str, Any], notes: str) -> None:
    path = HERE / "results.json"
    tmp = HERE / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    machine = results["machine"]
    sizes = results["sizes"]
    readme = README.format(
        table=markdown_table(results),
        secondary=secondary_tables(results),
        date=machine["date"],
        nproc=machine["nproc"],
        cpu=machine["cpu"],
        python=machine["python"],
        platform=machine["platform"],
        mode="--quick" if sizes["quick"] else "full",
        seconds=results.get("run_seconds", "?"),
        sizes=", ".join(f"{k}={v}" for k, v in sizes.items() if k != "quick"),
        load_start=machine.get("loadavg_at_start"),
        load_end=machine.get("loadavg_at_end"),
        commit=machine.get("git", {}).get("commit", "?"),
        dirty=machine.get("git", {}).get("uncommitted_files", "?"),
        notes=notes,
    )
    (HERE / "README.md").write_text(readme, encoding="utf-8")


README = """# Benchmarks

`make bench` (= `.venv/bin/python -m bench`) measures how far each operation of the app is
from the storage floor, in one run against one private Azurite (`tools.localstack`),
and writes `bench/results.json` and the table below. `python -m bench --quick` is a smoke
run (under a minute); sizes can also be set one by one with `BENCH_*` variables (see
`bench/harness.py`: `BENCH_ITERATIONS`, `BENCH_HTTP_ITERATIONS`, `BENCH_WARMUP`,
`BENCH_COLD_RUNS`, `BENCH_LIST_REQUESTS`, `BENCH_EMAIL_MESSAGES`,
`BENCH_DEVHOST_EMAIL_MESSAGES`, `BENCH_RETENTION_TOTAL`, `BENCH_RETENTION_EXPIRED`,
`BENCH_RETENTION_ROUNDS`, `BENCH_SEED_THREADS`). `--skip-http` leaves out the dev host.

## What is measured

1. **Raw floor** (`raw`): bare azure-data-tables / azure-storage-queue calls on the app's
   own clients: point read of a ~1 KB request row, insert, one 50-row page query, a
   3-key `RowKey eq … or …` query (the shape of the submit and decision reads), a 5-operation
   and an 8-operation entity-group transaction, one queue put. Median and p95.
2. **Operations** — submit (with and without `notifyAdmins`), list one page of 50
   (`status=pending`), get, approve, deny, settings read — called in-process through the
   registered function with a `func.HttpRequest` (container from `bootstrap.build` on the
   bench Azurite, installed with `bootstrap.override`), interleaved round by round with the
   raw calls on the same table, so drift hits both alike. `ratio_inprocess.<op>` = the
   operation's median / the sum of the medians of the raw calls it needs: submit = 3-key
   query + transaction (+ queue put with notifyAdmins), get = point read, list = point read
   + page query, approve = 3-key query + 8-operation transaction (what approving a 2-user
   request commits) + queue put, deny = point read +
   transaction + queue put, settings = point read. The same operations over HTTP through
   the dev host (`python -m tools.devhost`, keep-alive `requests.Session`) are `http.<op>`.
3. **Round trips** (`round_trips.<op>`): storage calls (tables and queue) counted on the
   wire by a `raw_request_hook` on the SDK clients, max over 5 calls.
4. **List among 10,000** (`ratio_list_10k`): one page of 50 with `status=pending` in a
   tenant of 10,000 requests (9,000 completed), against one raw 50-row page query of
   the same partition (`completed` and `all` are reported alongside).
5. **Cold start** (`ratio_cold_start`): fresh `python -c "import function_app"` against
   `python -c "import azure.functions, azure.data.tables"`, interleaved, median.
6. **Email worker** (`email_per_second`): N decided requests' outbox rows (2 users: 2 emails
   per message) and their queue messages, drained by the real `NotificationWorker.handle`
   with the real `AcsEmailSender` against the ACS stub (in its own process), as the host
   would: 16 threads, receive 32 at a time, base64-decode, handle, delete, all in the one
   process. The messages are what the service puts (the row's etag and payload, so the
   worker claims without a read). The same through the dev host's queue trigger is
   reported as `devhost` (informational).
7. **Retention** (`retention.*`): `TablePurgeStore.purge_expired` deleting 10,000 expired
   requests in a tenant of 100,000 (`large`) vs the same 10,000 alone (`small`), and vs
   bare 100-operation delete transactions of exactly the same rows (`raw`). 90% of
   requests approved (rows R + M), 10% pending (also L + D). One table, each run reseeded
   right before it so all start from the same table; rounds of large, small, raw;
   medians; rows deleted and round trips reported.

Seeding writes the app's own rows (`shared.adapters.tables.codec` entity builders and
`keys` functions) in raw 100-operation batches on several threads.

## Latest run

{date}, {mode} run ({seconds} s). Machine: {nproc} CPUs ({cpu}), Python {python},
{platform}; load average {load_start} at the start, {load_end} at the end (the machine is
shared: other work on it shows up as noise). Tree: commit {commit} with {dirty} uncommitted
file(s). Sizes: {sizes}.

{table}

{secondary}

{notes}
"""
