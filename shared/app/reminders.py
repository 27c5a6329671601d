"""Reminders and escalation: the notification settings, and the timer that sends each
tenant's listed admins one digest a day of the requests waiting too long for a decision.

The timer's cost follows the work, not the number of tenants. It reads the index the
retention sweep keeps of the days each tenant created requests on, for the days a
waiting request can come from (from the retention cutoff to a day ago: no reminder is due
sooner), and visits only those tenants: one round trip for their settings (two point
reads side by side), and only for a tenant with someone to tell and no digest yet today,
one range of its pending list rows bounded to the requests older than `remindAfter`.

A digest is a notice like any other (SPEC §7, X6): committed in one transaction with the
row that records its day, then queued; the email worker sends it once per recipient, the
relay and the safety message catch what a crash left behind. The day recorded in that
row, written at the version read, makes a second run on the same day add nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from shared.app.context import UseCaseContext
from shared.app.ports import NotificationState, ReminderStore, StoreConflict
from shared.domain import rules
from shared.domain.identity import Principal
from shared.domain.models import RequestProcess
from shared.domain.notices import digest_notice
from shared.domain.reminders import (
    MIN_DELAY,
    NotificationSettings,
    NotificationSettingsPut,
    ReminderSettings,
    parse_delay,
    updated_reminders,
)

log = logging.getLogger(__name__)

# Pending list rows read per tenant and run: one page of Table Storage.
MAX_WAITING = 1000


def _current(read: NotificationState) -> tuple[RequestProcess, ReminderSettings]:
    process = read.process.value if read.process else RequestProcess()
    reminders = read.reminders.value if read.reminders else ReminderSettings()
    return process, reminders


class NotificationPreferences:
    """GET/PUT /api/settings/notifications (admins): `notifyAdmins` (the same list as the
    own-request-process settings'), `remindAfter`, `escalateAfter` and `escalateTo`."""

    def __init__(self, ctx: UseCaseContext, store: ReminderStore) -> None:
        self._ctx = ctx
        self._store = store

    def get(self, who: Principal) -> NotificationSettings:
        """The tenant's notification settings."""
        self._ctx.require_admin(who)
        return NotificationSettings.of(*_current(self._store.notification_state(who.tenant_id)))

    def put(self, who: Principal, change: NotificationSettingsPut) -> NotificationSettings:
        """Change them, with audit (X9); omitted members are kept."""
        self._ctx.require_admin(who)
        tenant, by, now = who.tenant_id, rules.person(who), self._ctx.now()

        def attempt(_: int) -> NotificationSettings:
            read = self._store.notification_state(tenant)
            process, current = _current(read)
            reminders = updated_reminders(current, change, by, now, self._ctx.retention)
            changed = None
            if change.notify_admins is not None and change.notify_admins != process.notify_admins:
                changed = process.model_copy(
                    update={
                        "notify_admins": change.notify_admins,
                        "updated_at": now,
                        "updated_by": by,
                    }
                )
                process = changed
            self._store.save_notifications(tenant, read, reminders, changed)
            return NotificationSettings.of(process, reminders)

        settings = self._ctx.retry(attempt)
        self._ctx.store.register_tenant(tenant)
        return settings


class ReminderDigests:
    """The reminder timer's work: today's digest of every tenant with requests waiting."""

    def __init__(self, ctx: UseCaseContext, store: ReminderStore) -> None:
        self._ctx = ctx
        self._store = store

    def run(self) -> dict[str, int]:
        """One run; how many people each tenant's digest goes to (tenants without one
        omitted)."""
        now, cutoff = self._ctx.now(), self._ctx.cutoff()
        first, last = cutoff.date(), (now - MIN_DELAY).date()
        tenants = self._store.tenants_with_requests_between(first, last) if first <= last else []
        digests: dict[str, int] = {}
        for tenant in tenants:
            try:
                recipients = self._remind(tenant, now, cutoff)
            except ValueError:
                # A row that does not parse stops no other tenant's digest (X13).
                log.exception("no digest for tenant %s: unreadable settings", tenant)
                continue
            if recipients:
                digests[tenant] = recipients
        log.info(
            "reminder digests: %d tenant(s) of %d visited",
            len(digests),
            len(tenants),
            extra={"outcome": "reminded", "digests": len(digests), "tenants_visited": len(tenants)},
        )
        return digests

    def _remind(self, tenant: str, now: datetime, cutoff: datetime) -> int:
        """Queue the tenant's digest of today, if one is due; how many people it goes to."""
        read = self._store.notification_state(tenant)
        process, reminders = _current(read)
        admins, escalate_to = list(process.notify_admins), list(reminders.escalate_to)
        today = now.date()
        if not (admins or escalate_to) or reminders.last_digest == today.isoformat():
            return 0  # nobody to tell, or told today already
        due_up_to = now - parse_delay(reminders.remind_after)
        if due_up_to <= cutoff:
            return 0
        escalated_up_to = min(now - parse_delay(reminders.escalate_after), due_up_to)
        # Two ranges side by side, each newest first and bounded: the escalated requests
        # (the oldest) are read even when more than a page of newer ones waits.
        old = self._ctx.meanwhile(
            lambda: self._store.pending_between(tenant, cutoff, escalated_up_to, MAX_WAITING)
        )
        newer = self._store.pending_between(tenant, escalated_up_to, due_up_to, MAX_WAITING)
        waiting = newer + old()
        escalated = any(s.created_at <= escalated_up_to for s in waiting)
        told = {a.lower() for a in admins} if waiting else set()
        told |= {e.lower() for e in escalate_to} if escalated else set()
        if not told:
            return 0
        notice = digest_notice(
            today,
            waiting,
            now,
            escalated_up_to=escalated_up_to,
            admins=admins,
            escalate_to=escalate_to,
            remind_after=reminders.remind_after,
            escalate_after=reminders.escalate_after,
        )
        # As for a decision: should this process die between the commit and the enqueue,
        # the safety message queues the digest.
        self._ctx.safety_net(tenant, notice.request_id)()
        marked = reminders.model_copy(update={"last_digest": today.isoformat()})
        try:
            etag = self._store.commit_digest(tenant, read, marked, notice)
        except StoreConflict:
            # Another run sent today's digest, or an admin changed the settings meanwhile
            # (the next run looks again).
            return 0
        self._ctx.publish(tenant, notice, etag)
        log.info(
            "reminder digest queued",
            extra={"tenant_id": tenant, "waiting": len(waiting), "recipients": len(told)},
        )
        return len(told)
