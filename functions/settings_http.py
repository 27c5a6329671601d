"""The "use your own request process" setting (R6, R7), the admin notification list, and
the notification settings (reminders and escalation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from functions import _deps
from functions._deps import models
from functions._http import endpoint, json_response, parse_body, principal
from shared.lazy import lazy_import

if TYPE_CHECKING:
    from shared.domain import reminders
else:
    reminders = lazy_import("shared.domain.reminders")

bp = func.Blueprint()


@bp.route(route="settings/request-process", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_request_process(req: func.HttpRequest) -> func.HttpResponse:
    """The own-process switch, message and link (admins also see notifyAdmins)."""
    who = principal(req)
    process = _deps.service().get_request_process(who)
    return json_response(process.to_view(admin=_deps.service().is_admin(who)))


@bp.route(route="settings/request-process", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def put_request_process(req: func.HttpRequest) -> func.HttpResponse:
    """Switch the own request process on or off (admins)."""
    who = principal(req)
    body = parse_body(req, models.RequestProcessPut)
    return json_response(_deps.service().put_request_process(who, body).to_view(admin=True))


@bp.route(route="settings/notifications", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_notification_settings(req: func.HttpRequest) -> func.HttpResponse:
    """Who hears of new and waiting requests, and when (admins)."""
    who = principal(req)
    return json_response(_deps.notification_settings().get(who).to_wire())


@bp.route(route="settings/notifications", methods=["PUT"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def put_notification_settings(req: func.HttpRequest) -> func.HttpResponse:
    """Change them (admins); omitted members are kept."""
    who = principal(req)
    body = parse_body(req, reminders.NotificationSettingsPut)
    settings = _deps.notification_settings().put(who, body)
    return json_response(settings.to_wire())
