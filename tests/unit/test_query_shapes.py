"""The classification of table queries by Azure's rules."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tools.query_shapes import PARTITION_SCAN, POINT, RANGE, TABLE_SCAN, classify, table_of

BASE = "http://127.0.0.1:10002/devstoreaccount1/licenserequests"


def _query(filter_: str) -> str:
    return f"{BASE}()?$filter={quote(filter_)}"


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        (f"{BASE}(PartitionKey='t1',RowKey='R%7C1')", POINT),
        (_query("PartitionKey eq 't1' and RowKey eq 'R|1'"), POINT),
        (_query("PartitionKey eq 't1' and RowKey gt 'P|' and RowKey lt 'P}'"), RANGE),
        (
            _query("PartitionKey eq 't1' and RowKey ge 'R|0' and RowKey lt 'R}' and Status ne 'x'"),
            RANGE,
        ),
        (_query("PartitionKey eq 't1' and ( RowKey eq 'a' or RowKey eq 'b' )"), PARTITION_SCAN),
        (_query("PartitionKey eq 't1' and Status eq 'pending'"), PARTITION_SCAN),
        (_query("PartitionKey eq 't1' and RowKey gt 'a'"), PARTITION_SCAN),
        (_query("RowKey eq 'a'"), TABLE_SCAN),
        (_query("Status eq 'x' or PartitionKey eq 'a'"), TABLE_SCAN),
        (_query("PartitionKey eq 'a' or PartitionKey eq 'b'"), PARTITION_SCAN),
        (_query("PartitionKey eq 'it''s' and RowKey eq 'x'"), POINT),
    ],
)
def test_queries_are_classified_by_azure_rules(url: str, shape: str) -> None:
    assert classify(url) == shape


def test_the_table_is_read_from_the_url() -> None:
    assert table_of(_query("PartitionKey eq 'a'")) == "licenserequests"
    assert table_of(f"{BASE}(PartitionKey='t1',RowKey='x')") == "licenserequests"
