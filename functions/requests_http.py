"""Licence requests: submit, list, read, approve, deny, my requests (SPEC §6)."""

from __future__ import annotations

import azure.functions as func

from functions import _deps
from functions._deps import commands, models
from functions._http import endpoint, json_response, list_query, page_query, parse_body, principal

bp = func.Blueprint()


@bp.route(route="requests", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def submit_request(req: func.HttpRequest) -> func.HttpResponse:
    """201 with a new request, or 200 with the one already pending (X3)."""
    who = principal(req)
    result = _deps.service().submit(who, parse_body(req, models.RequestCreate))
    return json_response(result.request.to_wire(), 201 if result.created else 200)


@bp.route(route="requests", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def list_requests(req: func.HttpRequest) -> func.HttpResponse:
    """The admins' Requests list, newest first, filtered by status."""
    who = principal(req)
    page = _deps.service().list_requests(who, list_query(req))
    body: dict[str, object] = {
        "items": [s.to_wire() for s in page.items],
        "nextCursor": page.next_cursor,
        "requestProcess": page.process.to_view(admin=True),
    }
    if page.counts is not None:
        body["counts"] = {"pending": page.counts.pending, "completed": page.counts.completed}
    return json_response(body)


@bp.route(route="requests/{id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def get_request(req: func.HttpRequest) -> func.HttpResponse:
    """One request, for an admin or its requester."""
    who = principal(req)
    return json_response(_deps.service().get_request(who, req.route_params["id"]).to_wire())


@bp.route(route="requests/{id}/approve", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def approve_request(req: func.HttpRequest) -> func.HttpResponse:
    """Approve fully or in part, with product choice and switched-off apps."""
    who = principal(req)
    command = parse_body(req, commands.ApproveCommand, allow_empty=True)
    return json_response(_deps.service().approve(who, req.route_params["id"], command).to_wire())


@bp.route(route="requests/{id}/deny", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def deny_request(req: func.HttpRequest) -> func.HttpResponse:
    """Deny the whole request."""
    who = principal(req)
    command = parse_body(req, commands.DenyCommand, allow_empty=True)
    return json_response(_deps.service().deny(who, req.route_params["id"], command).to_wire())


@bp.route(route="me/requests", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def my_requests(req: func.HttpRequest) -> func.HttpResponse:
    """The requests the caller submitted or is named in, with their own outcome (X4, X12)."""
    who = principal(req)
    page = _deps.service().my_requests(who, page_query(req))
    return json_response(
        {"items": [r.to_wire() for r in page.items], "nextCursor": page.next_cursor}
    )
