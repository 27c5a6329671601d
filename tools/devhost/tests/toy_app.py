"""A toy function app for the dev host tests: one of each thing the host must handle."""

from __future__ import annotations

import base64
import json
import os

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


def _json(data: object, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


def _append(env_var: str, record: dict[str, object]) -> None:
    with open(os.environ[env_var], "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


@bp.route(route="echo/{tag}", methods=["POST", "PUT"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return _json(
        {
            "method": req.method,
            "url": req.url,
            "params": dict(req.params),
            "route_params": dict(req.route_params),
            "x_test": req.headers.get("x-test"),
            "content_type": req.headers.get("content-type"),
            "body_b64": base64.b64encode(req.get_body()).decode(),
        }
    )


@bp.route(route="items/{id}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"kind": "item", "route_params": dict(req.route_params)})


# Registered before the literal route on purpose: precedence, not order, must win.
@bp.route(route="requests/{id}")
def request_by_id(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"kind": "by-id", "route_params": dict(req.route_params)})


@bp.route(route="requests/mine", methods=["GET"])
def my_requests(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"kind": "mine"})


@bp.route(route="files/{*path}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route_params": dict(req.route_params)})


@bp.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom from toy app")


@bp.route(route="created", methods=["POST"])
def created(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        '{"ok": true}',
        status_code=201,
        headers={"X-Custom": "yes", "Location": "/api/items/1"},
        mimetype="application/json",
    )


@bp.route(route="text", methods=["GET"])
def text(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("plain words")


@bp.route(route="settings", methods=["GET"])
def settings(req: func.HttpRequest) -> func.HttpResponse:
    keys = ("TOY_FROM_SETTINGS", "TOY_OVERRIDDEN")
    return _json({key: os.environ.get(key) for key in keys})


@bp.timer_trigger(schedule="%TOY_SCHEDULE%", arg_name="timer")
def tick(timer: func.TimerRequest) -> None:
    _append("TOY_TIMER_FILE", {"past_due": timer.past_due})


@bp.queue_trigger(arg_name="msg", queue_name="%TOY_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    body = msg.get_body().decode("utf-8", errors="replace")
    _append("TOY_QUEUE_FILE", {"body": body, "dequeue_count": msg.dequeue_count, "id": msg.id})
    if "fail" in body:
        raise ValueError(f"asked to fail: {body}")


@bp.blob_trigger(arg_name="blob", path="toy/{name}", connection="AzureWebJobsStorage")
def unsupported_blob(blob: func.InputStream) -> None:
    """Not hosted: the dev host must warn and skip it."""


app.register_functions(bp)
