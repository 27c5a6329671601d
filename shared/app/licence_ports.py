"""What time-limited licences need from storage (X14): the holders of a product, the
global index of what falls due, and the writes that warn, extend and reclaim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

from shared.app.records import ReclaimWrite, Versioned
from shared.domain.models import Product, RequestProcess
from shared.domain.notices import Notice
from shared.domain.terms import DueEntry, Holder


class HolderStore(Protocol):
    """Assignment rows, the due index, and the tenant rows the reclaim timer reads."""

    def holders_of(self, tenant: str, product_id: str, limit: int) -> list[Holder]:
        """Who holds the product through this app (its assignment rows), by address."""

    def holder(self, tenant: str, product_id: str, email: str) -> Versioned[Holder] | None:
        """One holder's assignment row, with its version."""

    def get_product(self, tenant: str, product_id: str) -> Versioned[Product] | None: ...

    def get_request_process(self, tenant: str) -> Versioned[RequestProcess] | None: ...

    def save_term(self, tenant: str, holder: Holder, etag: str) -> None:
        """A new end of term (and no warning yet) at the version read; StoreConflict when
        the row moved or is gone."""

    def commit_warning(self, tenant: str, holder: Versioned[Holder], notice: Notice) -> None:
        """Mark the holder warned and queue the warning, in one transaction; StoreConflict
        when the row moved."""

    def commit_reclaim(self, tenant: str, write: ReclaimWrite) -> None:
        """End the licence (see ReclaimWrite); StaleProduct when anything moved."""

    def schedule_due(self, entries: Sequence[DueEntry]) -> None: ...

    def due(self, kind: Literal["warn", "expire"], now: datetime, limit: int) -> list[DueEntry]:
        """Index entries of `kind` due by `now`, earliest first."""

    def done(self, entry: DueEntry) -> None: ...

    def waitlists(self, limit: int) -> list[tuple[str, str]]:
        """(tenant, product) of the products noted with a waitlist."""

    def forget_waitlist(self, tenant: str, product_id: str) -> None: ...
