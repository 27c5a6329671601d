"""Settings rows <-> models: the own request process, reminders, the connection to Microsoft
365 and the request counts."""

from __future__ import annotations

import json
from typing import Any

from azure.data.tables import UpdateMode

from shared.adapters.tables import keys
from shared.adapters.tables.base import if_match
from shared.adapters.tables.codec import Entity, iso_text, person_data, person_of
from shared.adapters.tables.json_props import dump
from shared.app.records import Counted
from shared.domain.counts import RequestCounts
from shared.domain.identity import ADMIN_ROLES
from shared.domain.microsoft365 import Microsoft365Connection
from shared.domain.models import RequestProcess
from shared.domain.reminders import (
    DEFAULT_ESCALATE_AFTER,
    DEFAULT_REMIND_AFTER,
    ReminderSettings,
)

# ---- the own request process ---------------------------------------------------------------


def process_entity(tenant: str, process: RequestProcess) -> Entity:
    """The settings row."""
    data = {
        "useOwnProcess": process.use_own_process,
        "message": process.message,
        "documentationUrl": process.documentation_url,
        "updatedAt": iso_text(process.updated_at),
        "updatedBy": person_data(process.updated_by),
        "notifyAdmins": list(process.notify_admins),
    }
    if process.email_language:
        data["emailLanguage"] = process.email_language
    if list(process.approver_roles) != list(ADMIN_ROLES):
        data["approverRoles"] = list(process.approver_roles)
    if process.max_wait:
        data["maxWait"] = process.max_wait
    return {"PartitionKey": tenant, "RowKey": keys.PROCESS_KEY, "Data": dump(data)}


def process_from(entity: Entity) -> RequestProcess:
    """The settings a settings row holds."""
    data = json.loads(entity["Data"])
    return RequestProcess(
        use_own_process=data["useOwnProcess"],
        message=data.get("message"),
        documentation_url=data.get("documentationUrl"),
        updated_at=data.get("updatedAt"),
        updated_by=person_of(data.get("updatedBy")),
        notify_admins=data.get("notifyAdmins") or [],
        email_language=data.get("emailLanguage"),
        approver_roles=data.get("approverRoles") or list(ADMIN_ROLES),
        max_wait=data.get("maxWait"),
    )


# ---- reminders and escalation ----------------------------------------------------------------

# Their own row beside S|process (which keeps notifyAdmins): the reminder timer writes the
# day of each digest here, and an admin's change of the process switch never races it.
REMINDERS_KEY = "S|reminders"


def reminders_entity(tenant: str, reminders: ReminderSettings) -> Entity:
    """The reminders row."""
    data = {
        "remindAfter": reminders.remind_after,
        "escalateAfter": reminders.escalate_after,
        "escalateTo": list(reminders.escalate_to),
        "updatedAt": iso_text(reminders.updated_at),
        "updatedBy": person_data(reminders.updated_by),
        "lastDigest": reminders.last_digest,
    }
    return {"PartitionKey": tenant, "RowKey": REMINDERS_KEY, "Data": dump(data)}


def reminders_from(entity: Entity) -> ReminderSettings:
    """The settings a reminders row holds."""
    data = json.loads(entity["Data"])
    return ReminderSettings(
        remind_after=data.get("remindAfter") or DEFAULT_REMIND_AFTER,
        escalate_after=data.get("escalateAfter") or DEFAULT_ESCALATE_AFTER,
        escalate_to=data.get("escalateTo") or [],
        updated_at=data.get("updatedAt"),
        updated_by=person_of(data.get("updatedBy")),
        last_digest=data.get("lastDigest"),
    )


# ---- the connection to Microsoft 365 --------------------------------------------------------


def connection_entity(tenant: str, connection: Microsoft365Connection) -> Entity:
    """The connection row."""
    data = {
        "connected": connection.connected,
        "connectedAt": iso_text(connection.connected_at),
        "connectedBy": person_data(connection.connected_by),
        "lastSyncAt": iso_text(connection.last_sync_at),
    }
    return {"PartitionKey": tenant, "RowKey": keys.CONNECTION_KEY, "Data": dump(data)}


def connection_from(entity: Entity) -> Microsoft365Connection:
    """The connection a connection row holds."""
    data = json.loads(entity["Data"])
    return Microsoft365Connection(
        connected=data["connected"],
        connected_at=data.get("connectedAt"),
        connected_by=person_of(data.get("connectedBy")),
        last_sync_at=data.get("lastSyncAt"),
    )


# ---- the tenant's request counts -------------------------------------------------------------


def counts_entity(tenant: str, counts: RequestCounts) -> Entity:
    """The counts row."""
    data = {
        "pending": counts.pending,
        "completed": counts.completed,
        "pendingUsers": counts.pending_users,
    }
    return {"PartitionKey": tenant, "RowKey": keys.COUNTS_KEY, "Data": dump(data)}


def counts_from(entity: Entity) -> RequestCounts:
    """The counts a counts row holds."""
    data = json.loads(entity["Data"])
    return RequestCounts(
        pending=int(data.get("pending") or 0),
        completed=int(data.get("completed") or 0),
        pending_users={str(k): int(v) for k, v in (data.get("pendingUsers") or {}).items()},
    )


def counts_op(tenant: str, counted: Counted) -> tuple[Any, ...]:
    """The transaction operation that writes the counts at the version they were read."""
    entity = counts_entity(tenant, counted.counts)
    if counted.etag is None:
        return ("create", entity)
    return ("update", entity, {"mode": UpdateMode.REPLACE, **if_match(counted.etag)})
