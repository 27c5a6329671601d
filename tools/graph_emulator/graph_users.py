"""`/users`: get, list (filter, search, count, paging), create, update, assignLicense."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from . import licensing
from .graph_base import Call, Row, entity, page, select_of
from .model import USER_PROPERTIES, User, is_guid
from .odata import FilterParser, parse_search, unknown_property, unsupported
from .protocol import GraphError, Response, bad_request, empty_response, iso_seconds, not_found

# Returned without $select, in the order Graph's documentation shows them.
DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
KNOWN = (
    *DEFAULT,
    "accountEnabled",
    "assignedLicenses",
    "city",
    "country",
    "createdDateTime",
    "department",
    "licenseAssignmentStates",
    "mailNickname",
    "usageLocation",
    "userType",
)
FILTERABLE = {
    name: name
    for name in (
        "id",
        "userPrincipalName",
        "mail",
        "mailNickname",
        "displayName",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "city",
        "country",
        "accountEnabled",
        "usageLocation",
        "assignedLicenses",
    )
}
SEARCHABLE = ("displayName", "givenName", "surname", "mail", "mailNickname", "userPrincipalName")
ORDERABLE = ("displayName", "userPrincipalName")
REQUIRED_ON_CREATE = (
    "accountEnabled",
    "displayName",
    "mailNickname",
    "passwordProfile",
    "userPrincipalName",
)
READ_ONLY = ("id", "assignedLicenses", "licenseAssignmentStates", "createdDateTime", "userType")
WRITABLE = {*USER_PROPERTIES, "userPrincipalName", "passwordProfile"} - {"createdDateTime"}
USAGE_LOCATION = re.compile(r"^[A-Z]{2}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
PAGE_SIZE = 100


def user_row(user: User) -> Row:
    row: Row = dict.fromkeys(KNOWN)
    row.update(user.props)
    row["id"] = user.id
    row["userPrincipalName"] = user.user_principal_name
    row["userType"] = "Member"
    row["assignedLicenses"] = licensing.assigned_licenses(user)
    row["licenseAssignmentStates"] = [a.state_doc() for a in user.assignments]
    return row


def _user(call: Call) -> User:
    user = call.tenant.find_user(call.args[0])
    if user is None:
        raise not_found(call.args[0])
    return user


def _rows(call: Call) -> list[Row]:
    rows = [user_row(u) for u in call.tenant.users.values()]
    query = call.req.query
    if query.get("$filter"):
        keep = FilterParser(FILTERABLE, "User").parse(query["$filter"])
        rows = [r for r in rows if keep(r)]
    if "$search" in query:
        match = parse_search(query["$search"], SEARCHABLE, call.req.headers.get("ConsistencyLevel"))
        rows = [r for r in rows if match(r)]
    return rows


def _eventual(call: Call) -> bool:
    return (call.req.headers.get("ConsistencyLevel") or "").lower() == "eventual"


def list_users(call: Call) -> Response:
    rows = _rows(call)
    count = len(rows) if call.req.query.get("$count") == "true" and _eventual(call) else None
    if call.req.query.get("$orderby"):
        field, _, direction = call.req.query["$orderby"].strip().partition(" ")
        if field not in ORDERABLE or direction.strip().lower() not in ("", "asc", "desc"):
            raise unsupported("Sorting not supported for current query.")
        rows.sort(key=lambda r: str(r.get(field) or "").lower())
        if direction.strip().lower() == "desc":
            rows.reverse()
    return page(call, "users", rows, KNOWN, DEFAULT, page_size=PAGE_SIZE, count=count)


def count_users(call: Call) -> Response:
    if not _eventual(call):
        raise bad_request("$count is not currently supported.")
    body = str(len(_rows(call))).encode()
    return Response(200, {"Content-Type": "text/plain"}, body)


def get_user(call: Call) -> Response:
    user = _user(call)
    return entity(call, "users", user_row(user), select_of(call, KNOWN), DEFAULT)


def _check_values(call: Call, body: dict[str, Any]) -> None:
    for name in body:
        if name in READ_ONLY:
            raise bad_request(f"Property '{name}' is read-only and cannot be set.")
        if name not in WRITABLE:
            raise unknown_property(name, "Request_BadRequest")
    checks: dict[str, Callable[[Any], bool]] = {
        "accountEnabled": lambda v: isinstance(v, bool),
        "usageLocation": lambda v: (
            v is None or (isinstance(v, str) and bool(USAGE_LOCATION.match(v)))
        ),
        "preferredLanguage": lambda v: (
            v is None or (isinstance(v, str) and bool(LANGUAGE.match(v)))
        ),
        "displayName": lambda v: isinstance(v, str) and bool(v.strip()),
        "userPrincipalName": lambda v: isinstance(v, str) and v.count("@") == 1,
        "businessPhones": lambda v: isinstance(v, list),
    }
    for name, ok in checks.items():
        if name in body and not ok(body[name]):
            raise bad_request(f"Invalid value specified for property '{name}' of resource 'User'.")
    upn = body.get("userPrincipalName")
    if isinstance(upn, str):
        domain = upn.rpartition("@")[2].lower()
        if call.tenant.domains and domain not in call.tenant.domains:
            raise bad_request(
                "The domain portion of the userPrincipalName property is invalid. You must use one "
                "of the verified domain names in your organization."
            )


def _check_unique(call: Call, body: dict[str, Any], this: User | None) -> None:
    upn = body.get("userPrincipalName")
    others = [u for u in call.tenant.users.values() if u is not this]
    if isinstance(upn, str) and any(u.user_principal_name.lower() == upn.lower() for u in others):
        raise bad_request(
            "Another object with the same value for property userPrincipalName already exists."
        )
    mail = body.get("mail")
    if isinstance(mail, str) and any(u.matches_name(mail) for u in others):
        raise bad_request(
            "Another object with the same value for property proxyAddresses already exists."
        )


def create_user(call: Call) -> Response:
    body = call.body_object()
    for name in REQUIRED_ON_CREATE:
        if name not in body or body[name] in (None, ""):
            raise bad_request(f"Invalid value specified for property '{name}' of resource 'User'.")
    _check_values(call, body)
    _check_unique(call, body, None)
    props = {k: v for k, v in body.items() if k in USER_PROPERTIES}
    props.setdefault("businessPhones", [])
    props["createdDateTime"] = iso_seconds()
    user = User(str(uuid.uuid4()), str(body["userPrincipalName"]), props)
    call.tenant.users[user.id] = user
    response = entity(call, "users", user_row(user), None, DEFAULT)
    response.status = 201
    response.headers["Location"] = f"{call.root}/users/{user.id}"
    return response


def update_user(call: Call) -> Response:
    user = _user(call)
    body = call.body_object()
    _check_values(call, body)
    _check_unique(call, body, user)
    for name, value in body.items():
        if name == "userPrincipalName":
            user.user_principal_name = str(value)
        elif name != "passwordProfile":
            user.props[name] = value
    return empty_response(204)


def _guid(value: Any) -> str:
    if not isinstance(value, str) or not is_guid(value):
        raise GraphError(
            400,
            "BadRequest",
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Guid'.",
        )
    return value.lower()


def assign_license(call: Call) -> Response:
    user = _user(call)
    body = call.body_object()
    missing = [
        name for name in ("addLicenses", "removeLicenses") if not isinstance(body.get(name), list)
    ]
    if missing:
        raise bad_request(
            "One or more parameters of the operation 'assignLicense' are missing from the request "
            f"payload. The missing parameters are: {','.join(missing)}."
        )
    add: list[tuple[str, list[str]]] = []
    for item in body["addLicenses"]:
        if not isinstance(item, dict):
            raise bad_request(
                "Invalid value specified for property 'addLicenses' of resource 'User'."
            )
        add.append((_guid(item.get("skuId")), [_guid(p) for p in item.get("disabledPlans") or []]))
    remove = [_guid(sku) for sku in body["removeLicenses"]]
    licensing.assign_license(call.tenant, user, add, remove, call.rules)
    return entity(call, "users", user_row(user), None, DEFAULT)


def reprocess_license_assignment(call: Call) -> Response:
    user = _user(call)
    licensing.reprocess(call.tenant, user, call.rules)
    return entity(call, "users", user_row(user), None, DEFAULT)
