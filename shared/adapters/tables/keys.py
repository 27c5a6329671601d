"""The RowKey scheme of the one table: which row of a tenant's partition holds what.

One partition per tenant, so every row a decision touches can change in one
entity-group transaction. The prefix names the row's kind:

    P|{productId}                 product, with its licence counters
    S|process                     own-request-process settings
    S|microsoft365                the tenant's connection to Microsoft 365
    S|counts                      pending / completed requests, people waiting per product
    R|{requestId}                 the request (ids sort newest first, see domain.ids)
    L|pending|{requestId}         list row of a pending request (summary copy), removed on
                                  decision: the pending view never reads decided history
    M|{requesterId}|{requestId}   "my requests" row               (full copy)
    N|{person}|{requestId}        a user named by someone else's request (X12): a pointer;
                                  person is the directory object id, else a digest of
                                  the address (short, and no address in a key)
    D|{productId}|{requesterId}   marker: this user has a pending request for this product
    A|{productId}|{email}         licence assignment (kept after the request expires)
    W|{productId}|{time}|{id}|{n} a user waiting for a seat (waitlist, first come first
                                  served; kept after the request expires)
    O|{requestId}|{kind}[|round]  outbox row: a notice to deliver; its key is the notice id

Because ids sort newest first and begin with the inverted creation time, "not expired"
is an upper RowKey bound on every range: lists never read expired rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from shared.domain.ids import time_key
from shared.domain.notices import notices_prefix

PROCESS_KEY = "S|process"
CONNECTION_KEY = "S|microsoft365"
COUNTS_KEY = "S|counts"
PRODUCT = "P"
REQUEST = "R"
PENDING = "L|pending"
MINE = "M"
NAMED = "N"
MARKER = "D"
ASSIGNMENT = "A"
OUTBOX = "O"


def key_part(value: str) -> str:
    """A user-supplied value made safe inside a RowKey (no / \\ # ? | or control chars)."""
    return quote(value.lower(), safe="@.+-_")


def product_key(product_id: str) -> str:
    """The product row."""
    return f"{PRODUCT}|{product_id}"


def request_key(request_id: str) -> str:
    """The request row."""
    return f"{REQUEST}|{request_id}"


def pending_key(request_id: str) -> str:
    """The pending list row of a request."""
    return f"{PENDING}|{request_id}"


def mine_key(requester_id: str, request_id: str) -> str:
    """The requester's copy of a request."""
    return f"{MINE}|{requester_id}|{request_id}"


def mine_prefix(requester_id: str) -> str:
    """Where a requester's copies start."""
    return f"{MINE}|{requester_id}|"


def person(directory_id: str | None, email: str) -> str:
    """How the named index knows a person: the directory's object id, else the address."""
    if directory_id:
        return directory_id.lower()
    return "e" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]


def persons_of(user_id: str, email: str) -> list[str]:
    """The index keys a signed-in person may be named under (token `oid`, address)."""
    return [person(user_id, email), person(None, email)]


def named_key(who: str, request_id: str) -> str:
    """The pointer saying `who` is named in the request."""
    return f"{NAMED}|{who}|{request_id}"


def named_prefix(who: str) -> str:
    """Where the requests naming `who` start."""
    return f"{NAMED}|{who}|"


def named_keys(persons: Iterable[str], request_id: str) -> list[str]:
    """The pointers of a request naming these persons."""
    return [named_key(p, request_id) for p in persons]


def marker_key(product_id: str, requester_id: str) -> str:
    """The one-pending-request-per-user-and-product marker (X3)."""
    return f"{MARKER}|{product_id}|{requester_id}"


def assignment_key(product_id: str, email: str) -> str:
    """The row saying `email` holds `product_id`."""
    return f"{ASSIGNMENT}|{product_id}|{key_part(email)}"


WAITING = "W"


def waiting_prefix(product_id: str) -> str:
    """Where a product's waitlist starts (its entries sort in queue order)."""
    return f"{WAITING}|{product_id}|"


def waiting_key(product_id: str, entry_key: str) -> str:
    """A waitlist entry."""
    return waiting_prefix(product_id) + entry_key


def is_outbox_key_of(row_key: str, request_id: str) -> bool:
    """Whether an outbox row belongs to the request."""
    return row_key.startswith(notices_prefix(request_id))


def request_id_of(row_key: str) -> str:
    """The request id of a request row's key."""
    return row_key[len(REQUEST) + 1 :]


def expired_range(created_up_to: datetime) -> tuple[str, str]:
    """[low, high) of the request rows created at or before the instant."""
    return f"{REQUEST}|{time_key(created_up_to)}", f"{REQUEST}}}"
