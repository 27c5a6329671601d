"""No request path scans (issue 13): every query the dev host made on the requests table
during the browser and e2e suites (this file runs after them) is a point read or a RowKey
range, by Azure's documented rules. Scans cost in proportion to a tenant's whole
partition on Azure, where Azurite hides it.

The tenants table is left out: it holds the background work's global indexes, read by
timers (one query each, whatever the number of tenants), not by HTTP requests.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tools.query_shapes import POINT, RANGE, classify, table_of


def test_no_request_path_scans_a_partition_or_the_table(base_url: str, query_log: Path) -> None:
    assert base_url
    urls = query_log.read_text(encoding="utf-8").splitlines() if query_log.exists() else []
    requests_table = [u for u in urls if table_of(u) == "licenserequests"]
    assert len(requests_table) > 100, "the suites before this one exercised the API"
    shapes = Counter(classify(u) for u in requests_table)
    scans = sorted({u for u in requests_table if classify(u) not in (POINT, RANGE)})
    assert scans == [], f"{shapes}: {scans[:5]}"
