"""ReminderStore on the table: the notification settings, the old pending requests of a
tenant, and the day's digest committed with its outbox row.

The reminders row (`S|reminders`) sits beside the own-request-process row (`S|process`,
which keeps `notifyAdmins`) in the tenant's partition, so a change of both, or a digest
and the row that records its day, is one entity-group transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from azure.data.tables import UpdateMode

from shared.adapters.tables import codec, keys, settings_codec
from shared.adapters.tables.base import TableBase, if_match
from shared.adapters.tables.batch import Operation, TransactionFailed
from shared.adapters.tables.codec import Entity
from shared.adapters.tables.errors import storage_call
from shared.adapters.tables.settings_codec import REMINDERS_KEY
from shared.app.ports import NotificationState, StoreConflict
from shared.app.records import Versioned
from shared.domain.ids import time_key
from shared.domain.models import RequestProcess, RequestSummary
from shared.domain.notices import Notice
from shared.domain.reminders import ReminderSettings

T = TypeVar("T")


def _write(entity: Entity, read: Versioned[T] | None) -> Operation:
    """Create the row, or replace it at the version it was read at."""
    if read is None:
        return ("create", entity)
    return ("update", entity, {"mode": UpdateMode.REPLACE, **if_match(read.etag)})


class TableReminderStore(TableBase):
    """The reminder settings and the reminder timer's reads and writes."""

    @classmethod
    def beside(cls, sibling: TableBase) -> TableReminderStore:
        """A store on the sibling's table, tenants registry, read pool and wire (one
        TableStore's: the same connection pool, and the same hooks see every call)."""
        return cls(sibling._table, sibling._tenants, sibling._executor, sibling._wire)

    def tenants_with_requests_between(self, first: date, last: date) -> list[str]:
        """Tenants that created requests on a day from `first` to `last`."""
        return self._tenants.created_between(first, last)

    @storage_call
    def notification_state(self, tenant: str) -> NotificationState:
        # Two point reads side by side: one round trip.
        rows = self._points(tenant, [keys.PROCESS_KEY, REMINDERS_KEY])
        process, reminders = rows.get(keys.PROCESS_KEY), rows.get(REMINDERS_KEY)
        return NotificationState(
            process=Versioned(settings_codec.process_from(process), codec.etag(process))
            if process
            else None,
            reminders=Versioned(settings_codec.reminders_from(reminders), codec.etag(reminders))
            if reminders
            else None,
        )

    @storage_call
    def save_notifications(
        self,
        tenant: str,
        read: NotificationState,
        reminders: ReminderSettings,
        process: RequestProcess | None,
    ) -> None:
        ops = [_write(settings_codec.reminders_entity(tenant, reminders), read.reminders)]
        if process is not None:
            ops.append(_write(settings_codec.process_entity(tenant, process), read.process))
        try:
            self._submit(ops)
        except TransactionFailed as exc:
            raise StoreConflict(str(exc)) from exc

    @storage_call
    def pending_between(
        self, tenant: str, after: datetime, up_to: datetime, limit: int
    ) -> list[RequestSummary]:
        # Ids begin with the inverted creation time: requests created at or before `up_to`
        # sort after its time key, those created after `after` before its time key.
        low = f"{keys.PENDING}|{time_key(up_to)}"
        high = f"{keys.PENDING}|{time_key(after)}"
        return [codec.summary_from(r) for r in self._range(tenant, low, high, limit)]

    @storage_call
    def commit_digest(
        self, tenant: str, read: NotificationState, reminders: ReminderSettings, notice: Notice
    ) -> str | None:
        ops = [
            _write(settings_codec.reminders_entity(tenant, reminders), read.reminders),
            # Last, so the transaction's result names the outbox row's etag.
            ("create", codec.outbox_entity(tenant, notice)),
        ]
        try:
            return self._submit(ops)
        except TransactionFailed as exc:
            raise StoreConflict(str(exc)) from exc
