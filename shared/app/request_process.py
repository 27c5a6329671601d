"""The "use your own request process" switch and the admin notification list (R6, R7, X10)."""

from __future__ import annotations

from shared.app.context import UseCaseContext
from shared.domain import rules
from shared.domain.identity import Principal
from shared.domain.models import RequestProcess, RequestProcessPut


class RequestProcessSettings:
    """Read and change the tenant's own-request-process setting."""

    def __init__(self, ctx: UseCaseContext) -> None:
        self._ctx = ctx

    def get(self, who: Principal) -> RequestProcess:
        """The tenant's own-process switch (everyone may read it: the UI depends on it)."""
        current = self._ctx.store.get_request_process(who.tenant_id)
        return current.value if current else RequestProcess()

    def put(self, who: Principal, change: RequestProcessPut) -> RequestProcess:
        """R6/R7: switch the own request process on or off, with audit (X9)."""
        self._ctx.require_admin(who)
        store = self._ctx.store

        def attempt(_: int) -> RequestProcess:
            current = store.get_request_process(who.tenant_id)
            updated = rules.updated_request_process(
                current.value if current else RequestProcess(),
                change,
                rules.person(who),
                self._ctx.now(),
            )
            store.save_request_process(who.tenant_id, updated, current.etag if current else None)
            return updated

        updated = self._ctx.retry(attempt)
        store.register_tenant(who.tenant_id)
        return updated
