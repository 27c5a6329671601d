"""Fast, in-process checks of the dev host's pure parts: routes, config, schedules, bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tools.devhost.host import route_template
from tools.devhost.host_config import (
    ConfigError,
    apply_local_settings,
    load_host_config,
    parse_timespan,
    read_local_settings,
    resolve_setting_refs,
)
from tools.devhost.queues import decode_body
from tools.devhost.routing import RouteError, Router
from tools.devhost.timers import parse_schedule


def _router(*routes: tuple[str, list[str] | None]) -> Router[str]:
    router: Router[str] = Router()
    for template, methods in routes:
        router.add(template, methods, template)
    return router


@pytest.mark.parametrize(
    ("path", "template", "values"),
    [
        ("/api/requests/mine", "api/requests/mine", {}),
        ("/API/Requests/Mine", "api/requests/mine", {}),
        ("/api/requests/42", "api/requests/{id}", {"id": "42"}),
        ("/api/x/mine", "api/{a}/mine", {"a": "x"}),
        ("/api/requests/other", "api/requests/{id}", {"id": "other"}),
        ("/api/requests/42/approve", "api/requests/{id}/approve", {"id": "42"}),
    ],
)
def test_literal_segments_beat_parameters_whatever_the_order(
    path: str, template: str, values: dict[str, str]
) -> None:
    router = _router(
        ("api/{a}/mine", None),
        ("api/requests/{id}", None),
        ("api/requests/mine", None),
        ("api/requests/{id}/approve", None),
    )
    assert router.match("GET", path) == (template, values)


def test_catch_all_takes_the_rest_of_the_path() -> None:
    router = _router(("console/{*path}", None), ("console/config.json", None))
    assert router.match("GET", "/console") == ("console/{*path}", {})
    assert router.match("GET", "/console/") == ("console/{*path}", {})
    assert router.match("GET", "/console/js/app.js") == ("console/{*path}", {"path": "js/app.js"})
    assert router.match("GET", "/console/config.json") == ("console/config.json", {})
    assert router.match("GET", "/other") is None


def test_methods_filter_then_fall_through() -> None:
    router = _router(("items", ["GET"]), ("items", ["post"]), ("items/{id}", None))
    assert router.match("post", "/items") is not None
    assert router.match("DELETE", "/items") is None
    assert router.match("DELETE", "/items/1") == ("items/{id}", {"id": "1"})


@pytest.mark.parametrize(
    "template",
    [
        "a/{id:int}",  # constraints
        "opt/{id?}",  # optional parameters
        "page/{n=1}",  # defaults
        "doc/{name}.{ext}",  # several parts in one segment
        "v{version}/items",
        "{*rest}/more",  # a catch-all before the end
        "a//b",
        "{x",
        "{a}/{A}",
    ],
)
def test_unsupported_or_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(RouteError):
        Router[str]().add(template, None, template)


@pytest.mark.parametrize(
    ("prefix", "route", "expected"),
    [("api", "items", "api/items"), ("", "items", "items"), ("api", "/x/", "api/x"), ("", "", "")],
)
def test_route_template_joins_prefix(prefix: str, route: str, expected: str) -> None:
    assert route_template(prefix, route) == expected


def test_empty_prefix_and_root_route() -> None:
    router = _router((route_template("", ""), None))
    assert router.match("GET", "/") == ("", {})


# host.json and settings


def test_host_json_defaults_and_values(tmp_path: Path) -> None:
    defaults = load_host_config(tmp_path)
    assert defaults.route_prefix == "api"
    assert defaults.queues.max_dequeue_count == 5
    assert defaults.queues.visibility_timeout == timedelta(0)
    assert defaults.queues.batch_size == 16
    assert defaults.queues.max_polling_interval == timedelta(seconds=2)

    (tmp_path / "host.json").write_text(
        "\ufeff"
        + json.dumps(
            {
                "extensions": {
                    "http": {"routePrefix": ""},
                    "queues": {"visibilityTimeout": "00:01:30", "batchSize": 4},
                }
            }
        ),
        encoding="utf-8",
    )
    config = load_host_config(tmp_path)
    assert config.route_prefix == ""
    assert config.queues.visibility_timeout == timedelta(seconds=90)
    assert config.queues.batch_size == 4


@pytest.mark.parametrize(
    "queues",
    [
        {"batchSize": 64},
        {"visibilityTimeout": "soon"},
        {"visibilityTimeout": 1000},
        {"maxDequeueCount": "5"},
        {"maxPollingInterval": "00:00:00.01"},
    ],
)
def test_bad_host_json_is_a_config_error(tmp_path: Path, queues: dict[str, object]) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"extensions": {"queues": queues}}))
    with pytest.raises(ConfigError):
        load_host_config(tmp_path)


def test_timespans() -> None:
    assert parse_timespan("00:00:01") == timedelta(seconds=1)
    assert parse_timespan("1.02:03:04.5") == timedelta(days=1, hours=2, minutes=3, seconds=4.5)
    with pytest.raises(ConfigError):
        parse_timespan("5s")


def test_local_settings_never_override_the_environment(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_text(
        json.dumps({"IsEncrypted": False, "Values": {"A": "file", "B": "file"}})
    )
    values = read_local_settings(tmp_path)
    environ = {"B": "env"}
    assert apply_local_settings(values, environ) == ["A"]
    assert environ == {"A": "file", "B": "env"}
    assert read_local_settings(tmp_path / "nowhere") == {}


def test_local_settings_values_must_be_strings(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_text(json.dumps({"Values": {"FLAG": True}}))
    with pytest.raises(ConfigError, match="strings"):
        read_local_settings(tmp_path)


def test_setting_references() -> None:
    env = {"Q": "orders", "ENV": "dev"}
    assert resolve_setting_refs("%Q%", "x", env) == "orders"
    assert resolve_setting_refs("%Q%-%ENV%", "x", env) == "orders-dev"
    assert resolve_setting_refs("plain", "x", env) == "plain"
    with pytest.raises(ConfigError, match="'MISSING'"):
        resolve_setting_refs("%MISSING%", "function 'f' schedule", env)


# Schedules


def test_ncrontab_schedule_has_seconds_first() -> None:
    schedule = parse_schedule("%S%", "f", {"S": "*/10 * * * * *"})
    start = datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)
    assert schedule.next_after(start) == datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "env", "message"),
    [
        ("%S%", {}, "'S'"),
        ("%S%", {"S": "bogus"}, "%S%"),
        ("61 * * * * *", {}, "NCRONTAB"),
        ("* * * * * * * *", {}, "NCRONTAB"),
        # Five-field cron and TimeSpan schedules are not supported: the app uses neither.
        ("*/5 * * * *", {}, "six fields"),
        ("00:00:30", {}, "six fields"),
    ],
)
def test_bad_schedules_name_the_problem(raw: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_schedule(raw, "cleanup", env)


# Queue bodies


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("aGVsbG8=", b"hello"),
        ("aGVs\nbG8=", b"hello"),
        ("hello world!", b"hello world!"),
        ("héllo", "héllo".encode()),
        ("", b""),
    ],
)
def test_decode_body(text: str, body: bytes) -> None:
    assert decode_body(text) == body
