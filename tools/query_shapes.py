"""What a Table Storage query costs, from its URL: a point read, a RowKey range, a scan of
one partition, or a scan of the table — by Azure's documented rules (an OR of RowKeys is
a partition scan, not a range). The e2e suite and the bench classify the app's queries."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

POINT, RANGE, PARTITION_SCAN, TABLE_SCAN = "point", "range", "partition scan", "table scan"
_KEYED = re.compile(r"\(PartitionKey='.*',RowKey='.*'\)$")


def table_of(url: str) -> str:
    """The table a query URL reads."""
    path = unquote(urlsplit(url).path)
    return path.rsplit("/", 1)[-1].split("(", 1)[0]


def _top_level(expression: str, word: str) -> list[str]:
    """`expression` split on ` word ` outside parentheses and quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    token = f" {word} "
    while i < len(expression):
        c = expression[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        elif not quoted and depth == 0 and expression.startswith(token, i):
            parts.append(expression[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(expression[start:])
    return [p.strip() for p in parts]


def classify(url: str) -> str:
    """The shape of one GET on a table."""
    parts = urlsplit(url)
    if _KEYED.search(unquote(parts.path)):
        return POINT
    filter_ = parse_qs(parts.query).get("$filter", [""])[0]
    branches = _top_level(filter_, "or")
    if len(branches) > 1:
        # Each branch needs its partition, or the whole table is read.
        scoped = all("PartitionKey eq" in b for b in branches)
        return PARTITION_SCAN if scoped else TABLE_SCAN
    clauses = _top_level(filter_, "and")
    if not any(re.fullmatch(r"PartitionKey eq '.*'", c) for c in clauses):
        return TABLE_SCAN
    if any(re.fullmatch(r"RowKey eq '.*'", c) for c in clauses):
        return POINT
    low = any(re.match(r"RowKey (gt|ge) ", c) for c in clauses)
    high = any(re.match(r"RowKey (lt|le) ", c) for c in clauses)
    return RANGE if low and high else PARTITION_SCAN
