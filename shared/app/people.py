"""The people picker: find colleagues in the tenant's directory (X11)."""

from __future__ import annotations

import re

from shared.app.context import UseCaseContext
from shared.app.directory import Directory
from shared.domain.errors import DirectoryUnavailable, InvalidRequest, NotConnected
from shared.domain.identity import Principal
from shared.domain.microsoft365 import DirectoryUser

MAX_RESULTS = 20
# Letters, digits, spaces and the characters of names and addresses: nothing that could
# change the meaning of Graph's search expression.
SEARCH_TEXT = re.compile(r"^[\w .@'-]{1,64}$")


class People:
    """Directory search for any signed-in user of a connected tenant."""

    def __init__(self, ctx: UseCaseContext, directory: Directory | None) -> None:
        self._ctx = ctx
        self._directory = directory

    def search(self, who: Principal, text: str | None) -> list[DirectoryUser]:
        """Up to 20 active people whose name or address starts with `text`."""
        text = (text or "").strip()
        if not SEARCH_TEXT.fullmatch(text):
            raise InvalidRequest(
                "search must be 1-64 letters, digits, spaces or . @ ' -", field="search"
            )
        connection = self._ctx.store.get_connection(who.tenant_id)
        if self._directory is None or not connection or not connection.value.connected:
            raise NotConnected("Your organisation has not connected Microsoft 365.")
        found = self._directory.search_users(who.tenant_id, text, MAX_RESULTS)
        return [u for u in found if u.enabled][:MAX_RESULTS]

    def object_id(self, tenant: str, address: str) -> str | None:
        """The directory object id of a connected tenant's user (dev sign-in only: a dev
        token then carries the id a real token would); None when unknown or unreachable."""
        connection = self._ctx.store.get_connection(tenant)
        if self._directory is None or not connection or not connection.value.connected:
            return None
        try:
            found = self._directory.users_by_address(tenant, [address])
        except DirectoryUnavailable:
            return None
        user = found.get(address.lower())
        return user.id if user else None
