"""What every Graph handler gets (`Call`) and the shared shaping of answers:
`@odata.context`, `$select`, paging with `@odata.nextLink`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from .model import Rules, Tenant
from .odata import decode_skiptoken, encode_skiptoken, parse_select, parse_top
from .protocol import GraphError, Request, Response, bad_request, json_response

Row = dict[str, Any]

# Application permissions that allow each kind of call (any one of them).
READ_SKUS = (
    "LicenseAssignment.Read.All",
    "LicenseAssignment.ReadWrite.All",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
READ_USERS = (
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
WRITE_USERS = ("User.ReadWrite.All", "Directory.ReadWrite.All")
WRITE_LICENSES = (
    "LicenseAssignment.ReadWrite.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
)
READ_GROUPS = (
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
WRITE_MEMBERS = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")


@dataclass
class Call:
    """One Graph call, authenticated, for one tenant; `args` are the path's variable parts."""

    req: Request
    tenant: Tenant
    rules: Rules
    args: list[str]

    @property
    def root(self) -> str:
        """This emulator's Graph root, as the client reached it (`https://host:port/v1.0`)."""
        return f"{self.req.base_url}/v1.0"

    def context(self, fragment: str) -> str:
        return f"{self.root}/$metadata#{fragment}"

    def body_object(self) -> dict[str, Any]:
        try:
            body = self.req.json()
        except (ValueError, UnicodeDecodeError):
            raise GraphError(
                400,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set "
                "and payload is of valid JSON format.",
            ) from None
        if not isinstance(body, dict):
            raise bad_request("Invalid request body: a JSON object is expected.")
        return body


def shape(row: Mapping[str, Any], select: Sequence[str] | None, default: Sequence[str]) -> Row:
    return {name: row.get(name) for name in (select or default)}


def entity(
    call: Call, collection: str, row: Row, select: Sequence[str] | None, default: Sequence[str]
) -> Response:
    fragment = f"{collection}({','.join(select)})/$entity" if select else f"{collection}/$entity"
    return json_response(
        200, {"@odata.context": call.context(fragment), **shape(row, select, default)}
    )


def select_of(call: Call, known: Sequence[str]) -> list[str] | None:
    return parse_select(call.req.query.get("$select"), known)


def page(
    call: Call,
    collection: str,
    rows: list[Row],
    known: Sequence[str],
    default: Sequence[str],
    *,
    page_size: int,
    count: int | None = None,
    path: str | None = None,
) -> Response:
    """A collection page: `$select`, `$top`, `$skiptoken` and `@odata.nextLink`."""
    select = select_of(call, known)
    top = parse_top(call.req.query.get("$top"), page_size)
    start = decode_skiptoken(call.req.query["$skiptoken"]) if "$skiptoken" in call.req.query else 0
    chunk = rows[start : start + top]
    fragment = f"{collection}({','.join(select)})" if select else collection
    payload: dict[str, Any] = {"@odata.context": call.context(fragment)}
    if count is not None:
        payload["@odata.count"] = count
    if start + top < len(rows):
        params = {k: v for k, v in call.req.query.items() if k != "$skiptoken"}
        params["$skiptoken"] = encode_skiptoken(start + top)
        query = urlencode(params, quote_via=quote, safe="$,'():@")
        payload["@odata.nextLink"] = f"{call.root}/{path or collection}?{query}"
    payload["value"] = [shape(r, select, default) for r in chunk]
    return json_response(200, payload)
