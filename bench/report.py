"""results.json, the printed table and bench/README.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AT_LEAST = frozenset({"email_per_second", "fulfilment.users_assigned"})  # targets are minimums


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _counted(names: list[str]) -> str:
    """'point ×4, transaction' from ['point', 'point', 'point', 'point', 'transaction']."""
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in seen.items())


def _shapes(shapes: dict[str, int]) -> str:
    return ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in shapes.items()) or "no call"


def _detail(key: str, entry: dict[str, Any]) -> str:
    if key.startswith("ratio_inprocess."):
        raw = " + ".join(f"{k} {v:.2f}" for k, v in entry["raw_medians_ms"].items())
        return f"{entry['inprocess_median_ms']:.2f} ms vs {raw} = {entry['raw_sum_ms']:.2f} ms"
    if key.startswith("ratio_wire."):
        medians = entry["wire_medians_ms"]
        wire = " + ".join(f"{n} {medians[n]:.2f}" for n in entry["wire_calls"])
        return f"{entry['inprocess_median_ms']:.2f} ms vs {wire} = {entry['wire_sum_ms']:.2f} ms"
    if key.startswith("cpu_ms."):
        over = entry.get("over_wire_floor")
        return (
            f"app {entry['value']:.2f} ms CPU per call vs wire floor "
            f"{entry['wire_floor_cpu_ms']:.2f} ms ({over}x), SDK floor "
            f"{entry['raw_sdk_floor_cpu_ms']:.2f} ms"
        )
    if key.startswith("round_trips."):
        if "waves" not in entry:  # results.json of an older run
            return ", ".join(entry.get("calls", []))
        waves = " → ".join(f"[{_counted(w)}]" for w in entry["waves"])
        count = entry["count"]
        most = f" (at most {entry['count_target']})" if "count_target" in entry else ""
        text = f"{count} call{'s' if count != 1 else ''}{most}: {waves}"
        first = entry.get("first_call") or {}
        if first and first.get("count") != count:
            text += f"; the first call {first['count']}: {_shapes(first['shapes'])}"
        untracked = entry.get("untracked_calls")
        return text + (f"; {untracked} calls on threads not followed" if untracked else "")
    if key.startswith("scans."):
        detail = _shapes(entry["shapes"])
        if entry["value"]:
            detail += "; scans: " + "; ".join(
                r for r in entry["reads"] if "scan" in r.split(":", 1)[0]
            )
        return detail
    if key.startswith("idle."):
        by = entry["by_tenants"]
        counts = ", ".join(f"{n} → {q}" for n, q in by.items())
        most, reads = list(by)[-1], entry["reads_at_most_tenants"]
        shapes = list(entry["shapes_by_tenants"].values())[-1]
        what = "; ".join(reads) if len(reads) <= 3 else _shapes(shapes)
        return f"tenants → table queries: {counts}; at {most}: {what or 'none'}"
    if key == "ratio_list_10k":
        text = f"{entry['list_median_ms']:.2f} ms vs raw page {entry['raw_page_median_ms']:.2f} ms"
        if "raw_counts_read_median_ms" in entry:
            text += (
                f" (with the counts row's point read, {entry['raw_counts_read_median_ms']:.2f} "
                f"ms: {entry['ratio_to_page_and_counts_read']:.3g}x)"
            )
        return text
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
    if key.startswith("fulfilment.") or key == "ratio_fulfilment":
        return _fulfilment_detail(key, entry)
    if key.startswith(("bulk.", "list_10k.", "export_10k.")):
        return _history_detail(key, entry)
    return ""


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.2f} MiB"


def _history_detail(key: str, entry: dict[str, Any]) -> str:
    """Bulk decisions, the list's search and oldest-first order, the CSV export."""
    if key == "bulk.ratio_approve":
        n = entry["requests"]
        return (
            f"{n} in one call {entry['bulk_median_ms'] / 1000:.2f} s "
            f"({entry['bulk_ms_per_request']:.2f} ms each) vs {n} single approvals "
            f"{entry['singles_median_ms'] / 1000:.2f} s ({entry['single_ms_per_request']:.2f} ms "
            f"each), {entry['rounds']} rounds"
        )
    if key == "bulk.round_trips_per_request":
        bulk, singles = entry["bulk"], entry["singles"]
        return (
            f"calls per request; bulk: {bulk['calls']} calls, depth {bulk['depth']} "
            f"({bulk['depth_per_request']:g} per request); {entry['requests']} single approvals "
            f"one after another: {singles['calls']} calls, depth {singles['depth']}"
        )
    if key.startswith("list_10k."):
        params = "&".join(f"{k}={v}" for k, v in entry["params"].items())
        page = "page" if entry["pages"] == 1 else "pages"
        return (
            f"rows read; `?{params}`: {entry['rows_read']} rows in {entry['pages']} {page}, "
            f"{entry['calls']} calls {entry['depth']} deep, {entry['items']} items, "
            f"{entry['median_ms']:.2f} ms ({entry['requests']} requests)"
        )
    if key == "export_10k.median_ms":
        return (
            f"{entry['requests']} requests → {entry['csv_rows']} CSV rows, "
            f"{_mib(entry['response_bytes'])}; {entry['rows_read']} rows read in "
            f"{entry['pages']} pages"
        )
    if key == "export_10k.peak_mib":
        part = entry["part"]
        return (
            f"tracemalloc peak of one call, for a {_mib(entry['response_bytes'])} body "
            f"(held whole); {part['requests']} requests: {_mib(part['peak_bytes'])} for "
            f"{_mib(part['response_bytes'])}"
        )
    if key == "export_10k.memory_growth":
        part = entry["part"]
        return (
            f"the service's CSV chunks streamed: peak {_mib(entry['streamed_peak_bytes'])} at "
            f"{entry['requests']} requests vs {_mib(entry['part_streamed_peak_bytes'])} at "
            f"{part['requests']}"
        )
    return ""


def _fulfilment_detail(key: str, entry: dict[str, Any]) -> str:
    if key == "fulfilment.graph_calls_per_user":
        kinds = entry["by_kind"]
        return (
            f"{entry['graph_http_requests']} HTTP requests ($batch: {kinds.get('users.list', 0)} "
            f"`id in` lookups, {kinds.get('users.assignLicense', 0)} assignLicense inside) for "
            f"{entry['users']} users in {entry['requests']} requests; the floor "
            f"{entry['floor_http_requests']}"
        )
    if key == "fulfilment.token_requests":
        threads = entry.get("threads_pass_token_requests")
        more = f"; threaded pass {threads}" if threads is not None else ""
        return f"while fulfilling (the token was cached at connect){more}"
    if key == "fulfilment.users_assigned":
        return (
            f"{entry['outcomes'].get('alreadyLicensed', 0)} requesters alreadyLicensed; product "
            f"assignedLicenses {entry['product_assigned_licenses']} = Graph consumedUnits "
            f"{entry['graph_consumed_units']}"
            + ("" if entry.get("checks_ok") else "; CHECKS FAILED (see results.json)")
        )
    if key == "fulfilment.seconds_1000_users":
        threads = entry.get("threads") or {}
        parallel = f"; {threads['threads']} threads: {threads['seconds']:.2f} s" if threads else ""
        graph = entry.get("graph_seconds")
        split = (
            f"Graph {graph:.2f} s, storage {entry['storage_seconds']:.2f} s "
            f"({entry['storage_calls_per_message']:g} calls/request), rest "
            f"{entry['rest_seconds']:.2f} s"
            if graph is not None
            else f"storage {entry['storage_seconds']:.2f} s"
        )
        who = f"{entry['users']} users, {entry['requests']} requests one at a time"
        return f"{who}: {split}{parallel}"
    if key == "fulfilment.raw_batch_floor_seconds":
        return (
            f"{entry['graph_http_requests']} raw $batch calls: {entry['lookup_batches']} of "
            f"lookups {entry['lookup_seconds']:.2f} s + {entry['assign_batches']} of assignLicense "
            f"{entry['assign_seconds']:.2f} s"
        )
    if key == "ratio_fulfilment":
        at = entry.get("target_at_users")
        note = f" (target {at['target']} at {at['users']} users)" if at else ""
        return (
            f"{entry['app_seconds']:.2f} s vs {entry['floor_seconds']:.2f} s, "
            f"{entry['overhead_ms_per_request']:.0f} ms per 50-user request over the floor{note}"
        )
    return ""


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for key, entry in results.items():
        if not isinstance(entry, dict) or "value" not in entry:
            continue
        if "target" in entry and "pass" in entry:
            op = "≥" if key in AT_LEAST else "≤"
            target = f"{op} {_fmt(entry['target'])}"
            verdict = "pass" if entry["pass"] else "FAIL"
        elif entry.get("info"):
            target, verdict = "—", "info"
        else:
            continue
        rows.append((key, _fmt(entry["value"]), target, verdict, _detail(key, entry)))
    return rows


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| figure | value | target | | from |", "|---|---:|---|---|---|"]
    lines += [f"| `{k}` | {v} | {t} | {p} | {d} |" for k, v, t, p, d in table_rows(results)]
    return "\n".join(lines)


def _calls_table(title: str, calls: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | median ms | p95 ms | CPU ms |", "|---|---:|---:|---:|"]
    for name, v in calls.items():
        cpu = v.get("cpu_median_ms")
        cpu_text = f"{cpu:.2f}" if cpu is not None else "—"
        lines.append(f"| {name} | {v['median_ms']:.2f} | {v['p95_ms']:.2f} | {cpu_text} |")
    return lines


def secondary_tables(results: dict[str, Any]) -> str:
    lines = _calls_table("raw call (SDK)", results.get("raw", {}))
    if results.get("wire"):
        lines += ["", *_calls_table("wire call (by hand)", results["wire"])]
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
    lines += _fulfilment_table(results)
    return "\n".join(lines)


def _fulfilment_table(results: dict[str, Any]) -> list[str]:
    app = results.get("fulfilment.seconds_1000_users")
    floor = results.get("fulfilment.raw_batch_floor_seconds")
    if not app or not floor:
        return []
    lines = [
        "",
        f"| fulfilment of {app['users']} users | seconds | Graph HTTP requests | "
        "CPU ms per user: bench process | Graph emulator | Azurite |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    passes = [
        ("app, one message at a time", app["value"], app),
        ("raw floor", floor["value"], floor),
    ]
    threads = app.get("threads")
    if threads:
        passes.append((f"app, {threads['threads']} threads", threads["seconds"], threads))
    for name, seconds, entry in passes:
        cpu = entry["cpu_ms_per_user"]
        lines.append(
            f"| {name} | {seconds:.2f} | {entry['graph_http_requests']} | "
            f"{cpu['bench_process']:.2f} | {cpu['emulator']:.2f} | "
            f"{format(cpu['azurite'], '.2f') if 'azurite' in cpu else '—'} |"
        )
    return lines


def print_table(results: dict[str, Any]) -> None:
    rows = [("figure", "value", "target", "", "from"), *table_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
    print()
    print(secondary_tables(results))
    print()


def _tree(git: dict[str, Any]) -> str:
    """'a clean tree' or 'N uncommitted files: not the commit alone' for the header."""
    dirty = git.get("uncommitted_files")
    if dirty == 0:
        return "a clean tree"
    if dirty is None:
        return "tree state unknown"
    return f"DIRTY TREE: {dirty} uncommitted file(s), the figures are not of the commit alone"


def write(results: dict[str, Any], notes: str, out: Path = HERE) -> list[Path]:
    """results.json and README.md in `out` (bench/ for a full run); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    tmp = out / "results.json.tmp"
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
        tree=_tree(machine.get("git", {})),
        notes=notes,
    )
    (out / "README.md").write_text(readme, encoding="utf-8")
    return [path, out / "README.md"]


README = """# Benchmarks

Figures below: commit {commit} ({tree}), {date}, {mode} run.

`make bench` (= `.venv/bin/python -m bench`) measures how far each operation of the app is
from the storage floor (and Microsoft 365 fulfilment from the Graph floor), in one run
against one private Azurite and one Graph emulator (`tools.localstack`), and writes
`bench/results.json` and the table below. `python -m bench --quick` is a smoke run (about
two minutes) that writes to `.local/bench-quick/` instead, so it never replaces the
published figures (`--out DIR` chooses the folder; a `--quick` run refuses `bench/`).
Sizes can also be set one by one with `BENCH_*` variables (see `bench/harness.py`:
`BENCH_ITERATIONS`, `BENCH_HTTP_ITERATIONS`, `BENCH_WARMUP`, `BENCH_COLD_RUNS`,
`BENCH_LIST_REQUESTS`, `BENCH_EMAIL_MESSAGES`, `BENCH_DEVHOST_EMAIL_MESSAGES`,
`BENCH_RETENTION_TOTAL`, `BENCH_RETENTION_EXPIRED`, `BENCH_RETENTION_ROUNDS`,
`BENCH_FULFIL_USERS` (0 skips fulfilment), `BENCH_FULFIL_THREADS`, `BENCH_IDLE_TENANTS`
(the idle steps are 1, a tenth of it and it), `BENCH_HISTORY_ROUNDS`,
`BENCH_BULK_REQUESTS`, `BENCH_BULK_ROUNDS`, `BENCH_SEED_THREADS`).
`--skip-http` leaves out the dev host.

## What is measured

1. **Raw floor** (`raw`): bare azure-data-tables / azure-storage-queue calls on the app's
   own clients: point read of a ~1 KB request row, point read of the tenant's counts row
   (`counts_read`), insert, one 50-row page query, a 3-key `RowKey eq … or …` query (the
   shape the submit and decision reads had), a 6-operation and a 9-operation entity-group
   transaction, one queue put. Median, p95 and the process's CPU time per call.
2. **Operations** — submit (with and without `notifyAdmins`), list one page of 50
   (`status=pending`), get, approve, deny, settings read — called in-process through the
   registered function with a `func.HttpRequest` (container from `bootstrap.build` on the
   bench Azurite, installed with `bootstrap.override`), interleaved round by round with the
   raw calls and the wire calls (3.) on the same table, so drift hits all alike.
   `ratio_inprocess.<op>` = the operation's median / the sum of the medians of the raw
   calls it needs: submit = 3-key query + counts read + 6-operation transaction (+ queue
   put with notifyAdmins), get = point read, list = point read + counts read + page query,
   approve = 3-key query + counts read + 9-operation transaction (what approving a 2-user
   request commits) + queue put, deny = point read + counts read + 6-operation transaction
   + queue put, settings = point read. Every submit, decision and list reads the tenant's
   counts row (issue 16: `counts` kept in the same transactions, never counted by
   scanning) beside its other reads; its read is summed into the floor like any other,
   and the transactions write it. The same operations over HTTP through
   the dev host (`python -m tools.devhost`, keep-alive `requests.Session`) are `http.<op>`.
3. **Wire floor** (`ratio_wire.<op>`, `cpu_ms.<op>`): the same operations against the
   minimal storage calls they need, each written by hand on the wire (`bench/wire.py`):
   one warm urllib3 `PoolManager`, the Authorization header computed by hand (Shared Key
   Lite for the Table service: HMAC-SHA256 of `x-ms-date` and `/{{account}}/{{path}}` with the
   account key; Shared Key for the Queue service), JSON bodies read with `json.loads`, the
   `$batch` multipart body from the app's `TransactionWriter.encode` sent raw, queue puts
   as `<QueueMessage>` XML with base64 text. The rows are the app's own (its codec, its
   domain rules), in a tenant of the floor's own. The calls: submit = settings, product,
   pending-marker, Microsoft 365 connection (the last two absent) and counts point reads +
   a 6-row transaction (request, list row, my-requests row, marker, the named user's N|
   pointer, counts); get = the request's point read; list = settings and counts point
   reads + one 50-row page; approve = request and counts point reads + catalogue range +
   safety-message put + 9-operation transaction (request, list row, my-requests row,
   marker, licence counter, 2 assignments, counts, outbox row) + notice put; deny =
   request and counts point reads + safety-message put + 6-operation transaction + notice
   put. `ratio_wire.<op>` = the operation's median / the
   sum of those calls' medians, from the same interleaved rounds as 2. `cpu_ms.<op>` is
   the process's CPU time (all threads, `time.process_time`) per operation beside the
   wire floor's and the SDK floor's CPU for the same calls, from the same rounds.
4. **Round trips** (`round_trips.<op>`): the storage calls (tables and queue) of each
   operation seen on the wire by the request hook the app's table store and queue
   clients take (the SDK's `raw_request_hook`; the store's lean wire calls it too):
   their count, and their depth, where calls made side by side count once (both are
   figures: the value is the depth against the design's, and a count above the
   design's, `count_target`, fails it too). Depth is
   measured without added latency: each call's level is 1 + the level of the calls whose
   answers the code making it had waited for, following the app's hand-offs through its
   read pool (a task starts at its submitter's level; waiting for its result raises the
   waiter's level to the task's), so it does not depend on how fast threads start on a
   loaded machine; a call on a thread not followed is reported (`untracked_calls`) and
   fails the figure. One call per operation first (`first_call`: the day's first submit
   also indexes the day, beside its reads), then the max over 5. The value is the depth;
   the count and the calls wave by wave are alongside. submit_notify is 4 deep: its reads
   (1) say whether there is a notice (the tenant's `notifyAdmins`), and only then can it
   put the safety message (2) that must be on the queue before the commit (3) so that a
   crash between the commit and the notice's own put (4) still delivers; approve and deny
   put theirs beside their first read (3 deep). `list` (an explicit `status`) reads the
   settings and the counts beside the page; `list_default` reads the settings and the
   counts first (the settings pick the view), then the page.
5. **Query shapes** (`scans.<op>`): every storage call of submit, submit_notify, get, list
   (`status` pending, completed, all, and none), approve, deny, my requests, products and
   settings (the calls of 4.), classified from the URL on the wire by
   `tools/query_shapes.py` with Azure's documented rules: point, range (PartitionKey and
   both RowKey bounds), partition scan (an OR of RowKeys is one), table scan; and
   transactions, single-entity writes and queue puts. The value is the partition and
   table scans per call (max over the calls); the count of each shape is alongside. On
   Azure a scan's cost follows the partition (the tenant's every row), not the answer;
   Azurite scans everything, so only the shape carries over.
6. **Idle background work** (`idle.*`): tenants registered as admins register them (a
   product and the settings, through the service), none with a request or connected to
   Microsoft 365; at 1, 100 and 1,000 tenants the timers an idle deployment runs are run
   once each with the app's container and their table queries counted on the wire:
   `idle.queries_per_minute` is the outbox relay timer (every minute; the email worker is
   queue-triggered and, with no message, makes no table call), `idle.sync_queries` the
   catalogue sync (hourly; Microsoft 365 enabled, no tenant connected),
   `idle.sweep_queries` the retention sweep with nothing expired once its expiry index is
   older than the retention period (a clock that far ahead), and
   `idle.sweep_first_period_queries` (informational) the same sweep during the index's
   first retention period, when requests older than the index may exist and every tenant
   is visited. Target: at 1,000 tenants at most 2 more than at 1.
7. **List among 10,000** (`ratio_list_10k`): one page of 50 with `status=pending` in a
   tenant of 10,000 requests (9,000 completed), against one raw 50-row page query of
   the same partition (`completed` and `all` are reported alongside, and the ratio to the
   page plus a raw point read of the counts row, the call issue 16 added beside it).
8. **Cold start** (`ratio_cold_start`): fresh `python -c "import function_app"` against
   `python -c "import azure.functions, azure.data.tables"`, interleaved, median.
9. **Email worker** (`email_per_second`): N decided requests' outbox rows (2 users: 2 emails
   per message) and their queue messages, drained by the real `NotificationWorker.handle`
   with the real `AcsEmailSender` against the ACS stub (in its own process), as the host
   would: 16 threads, receive 32 at a time, base64-decode, handle, delete, all in the one
   process. The messages are what the service puts (the row's etag and payload, so the
   worker claims without a read). The same through the dev host's queue trigger is
   reported as `devhost` (informational).
10. **Retention** (`retention.*`): `TablePurgeStore.purge_expired` deleting 10,000 expired
   requests in a tenant of 100,000 (`large`) vs the same 10,000 alone (`small`), and vs
   bare delete transactions of exactly the same rows (`raw`). 90% of requests approved
   (rows R + M, and an N| pointer for the user the requester named), 10% pending (also
   L + D). One table on an Azurite of its own (started for this last section), each run
   reseeded right before it so all start from the same table; rounds of large, small, raw;
   medians; rows deleted and round trips reported. The raw deletes are transactions of
   99 rows and the tenant's counts row (read once first), as every sweep takes the
   expired requests off the counts in the same transactions, written by the app's own
   encoder (`TransactionWriter`, as the sweep's; the SDK's `submit_transaction` costs
   about 1 ms of CPU per operation, which made the "floor" slower than the sweep).
11. **Microsoft 365 fulfilment** (`fulfilment.*`, `ratio_fulfilment`): the Graph emulator
   (`tools/graph_emulator`, its own process) holds three tenants made alike: 1,000
   unlicensed users (enabled, usage location US), one requester per 50 of them who holds
   the SKU already (so only the 50 others are assigned), and ENTERPRISEPACK with seats for
   all. Untimed, the app connects two of them (admin-consent round trip, catalogue sync),
   and 20 requests of 50 users are submitted and approved in each. Timed: the real
   `FulfilmentWorker.handle` takes the 20 fulfilment messages one after another in one
   thread (one invocation at a time; each reads the request and product, looks its 50
   users up with `id in (...)` filters in one `$batch`, assigns in `$batch`es of 20,
   commits, queues the email notice), interleaved message by message with the **raw
   floor** in the third tenant: the same 1,000 users looked up with `id in` filters of 15
   ids, 20 per `$batch` (4 calls), and assigned with `assignLicense`, 20 per `$batch` (50
   calls), one token, bare urllib3, sequentially. The lookups belong to the floor: the
   app must read each user before assigning (a disabled account or a licence already held
   is not an error to Graph). One untimed request of 20 users warms both up first. The
   emulator's own counters give `fulfilment.graph_calls_per_user` (HTTP requests, a batch
   once, per assigned user) and `fulfilment.token_requests`; `fulfilment.users_assigned`
   checks every user ended `assigned` and the product's `assignedLicenses` equals Graph's
   `consumedUnits`. `fulfilment.seconds_1000_users` is the app's time (split into Graph
   calls, storage calls and the rest), `fulfilment.raw_batch_floor_seconds` the floor's,
   `ratio_fulfilment` the one over the other (its target holds at 1,000 users; a
   `--quick` run's 100 users report it without one). CPU per user is taken per process.
   The same messages of the second tenant handled by a few threads are reported alongside
   (informational).
12. **Bulk decisions** (`bulk.*`, issue 16): 100 pending 2-user requests approved in one
   `POST /api/requests/decisions` against 100 others approved one
   `POST /api/requests/{{id}}/approve` each (oldest first, one after another, as an admin
   clicks them), in-process through the registered functions, as Global admin, in one
   tenant whose product has seats for all. The requests are seeded up front and handed out
   alternately, so both sides decide requests of the same ages; rounds alternate which
   side goes first, after an untimed round of 10 each; medians over rounds.
   `bulk.ratio_approve` = the bulk call's time / the 100 single approvals' time (target:
   no more than 1.1x: each request is decided exactly as a single decision is, in one
   invocation); ms and CPU per request alongside. `bulk.round_trips_per_request`: one more
   round on the counted container (as 4.): the bulk call's storage calls per request
   against the single approvals' (count and depth, scans, untracked calls; deeper than
   the singles or a call on a thread not followed fails it).
13. **Search and order among 10,000** (`list_10k.*`, informational, issue 16): in the
   tenant of 7., `GET /api/requests` with `status=pending`, with no status (the default
   view), with `q` matching one requester's email (every retained row of the view is
   read, one hit), with `q` and `status=pending`, with `q` every request matches (one
   page of the range suffices), and with `sort=createdAt` (oldest first: the view's whole
   retained range, as Table Storage has no reverse order), with and without `status`.
   The value is **what each list reads: the entities the table returned to its queries**
   (counted on the wire by the counted container), with the pages (table queries over the
   view's range), the storage calls, their depth, the items answered, and the median time
   (in-process, interleaved, `BENCH_HISTORY_ROUNDS` rounds). Without `q` and `sort` a page
   is one range query of 50 (plus the counts and settings point reads); with `q` or
   `sort=createdAt` the list reads the chosen view's retained range in 1,000-row pages
   until it has a page of hits (so a rare match reads the whole range: 10,000 rows for
   the `all` view, the pending rows only with `status=pending`).
14. **CSV export** (`export_10k.*`, issue 16): `GET /api/requests/export` (all retained
   history, one CSV row per request and user) in the tenant of 7., in-process: the median
   time of `BENCH_HISTORY_ROUNDS` calls after one untimed call whose body is checked (one
   CSV row per user); the entities read and pages; `export_10k.peak_mib`, tracemalloc's
   peak during one call (the function returns the CSV as one body, as the Functions
   worker sends bodies whole, so this includes the body), beside the same for the newest
   tenth of the history (`from=`); and `export_10k.memory_growth`, the peak while the
   service's CSV chunks are consumed one by one as a streaming host would send them, for
   the whole history over the same for the tenth (target ≤ 1.5: constant memory, the
   rows are read a page at a time).

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
