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
        ("/api/requests/42", "api/requests/{id}", {"id": "42"}),
        ("/api/x/mine", "api/{a}/mine", {"a": "x"}),
        ("/api/requests/other", "api/requests/{id}", {"id": "other"}),
    ],
)
def test_literal_segments_beat_parameters_whatever_the_order(
    path: str, template: str, values: dict[str, str]
) -> None:
    router = _router(
        ("api/{a}/mine", None), ("api/requests/{id}", None), ("api/requests/mine", None)
    )
    assert router.match("GET", path) == (template, values)


def test_constrained_parameter_beats_unconstrained() -> None:
    router = _router(("api/{name}", None), ("api/{id:int}", None))
    assert router.match("GET", "/api/5") == ("api/{id:int}", {"id": "5"})
    assert router.match("GET", "/api/five") == ("api/{name}", {"name": "five"})


@pytest.mark.parametrize(
    ("template", "good", "bad"),
    [
        ("{v:int}", ["0", "-12", "2147483647"], ["2147483648", "1.5", "x"]),
        ("{v:long}", ["9223372036854775807"], ["9223372036854775808"]),
        ("{v:alpha}", ["abcXYZ"], ["ab1", "a-b"]),
        ("{v:bool}", ["true", "FALSE"], ["yes"]),
        ("{v:guid}", ["0f8fad5b-d9cb-469f-a165-70867728950e"], ["0f8fad5b", "nope"]),
        ("{v:minlength(3)}", ["abc"], ["ab"]),
        ("{v:maxlength(2)}", ["ab"], ["abc"]),
        ("{v:length(2,3)}", ["ab", "abc"], ["a", "abcd"]),
        ("{v:range(1,10)}", ["1", "10"], ["0", "11", "x"]),
        ("{v:min(5)}", ["5"], ["4"]),
        ("{v:regex(^\\d{{3}}$)}", ["123"], ["1234", "12a"]),
        ("{v:regex(^(a)?b$):maxlength(2)}", ["ab", "b"], ["c", "aab"]),
    ],
)
def test_constraints(template: str, good: list[str], bad: list[str]) -> None:
    router = _router((template, None))
    for value in good:
        assert router.match("GET", f"/{value}") is not None, value
    for value in bad:
        assert router.match("GET", f"/{value}") is None, value


def test_optionals_defaults_and_catch_all() -> None:
    router = _router(
        ("opt/{id?}", None),
        ("dflt/{page=1}", None),
        ("files/{*path}", None),
        ("doc/{name}.{ext?}", None),
    )
    assert router.match("GET", "/opt") == ("opt/{id?}", {})
    assert router.match("GET", "/opt/3") == ("opt/{id?}", {"id": "3"})
    assert router.match("GET", "/dflt") == ("dflt/{page=1}", {"page": "1"})
    assert router.match("GET", "/files") == ("files/{*path}", {})
    assert router.match("GET", "/files/a/b") == ("files/{*path}", {"path": "a/b"})
    assert router.match("GET", "/doc/a.b.txt") == (
        "doc/{name}.{ext?}",
        {"name": "a.b", "ext": "txt"},
    )
    assert router.match("GET", "/doc/readme") == ("doc/{name}.{ext?}", {"name": "readme"})


def test_methods_filter_then_fall_through() -> None:
    router = _router(("items", ["GET"]), ("items", ["post"]))
    assert router.match("post", "/items") is not None
    assert router.match("DELETE", "/items") is None


@pytest.mark.parametrize(
    "template",
    ["a/{x:nosuch}", "{*rest}/more", "a//b", "{a}{b}", "{x", "{x:regex(a}", "{a}/{A}"],
)
def test_bad_templates_are_rejected(template: str) -> None:
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
    assert config.queues.new_batch_threshold == 2


@pytest.mark.parametrize(
    "queues", [{"batchSize": 64}, {"visibilityTimeout": "soon"}, {"maxDequeueCount": "5"}]
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
        json.dumps(
            {"Values": {"A": "file", "B": "file", "FLAG": True}, "Host": {"LocalHttpPort": 7999}}
        )
    )
    settings = read_local_settings(tmp_path)
    assert settings is not None
    assert settings.http_port == 7999
    environ = {"B": "env"}
    assert sorted(apply_local_settings(settings, environ)) == ["A", "FLAG"]
    assert environ == {"A": "file", "B": "env", "FLAG": "true"}
    assert read_local_settings(tmp_path / "nowhere") is None


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


def test_five_field_cron_and_timespan_schedules() -> None:
    start = datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)
    assert parse_schedule("*/5 * * * *", "f", {}).next_after(start) == start.replace(
        minute=5, second=0
    )
    assert parse_schedule("00:00:30", "f", {}).next_after(start) == start + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("raw", "env", "message"),
    [
        ("%S%", {}, "'S'"),
        ("%S%", {"S": "bogus"}, "'S'"),
        ("61 * * * * *", {}, "NCRONTAB"),
        ("* * * * * * * *", {}, "NCRONTAB"),
    ],
)
def test_bad_schedules_name_the_problem(raw: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_schedule(raw, "cleanup", env)


# Queue bodies


@pytest.mark.parametrize(
    ("text", "encoding", "body"),
    [
        ("aGVsbG8=", "base64", b"hello"),
        ("aGVs\nbG8=", "base64", b"hello"),
        ("hello world!", "base64", b"hello world!"),
        ("héllo", "base64", "héllo".encode()),
        ("aGVsbG8=", "none", b"aGVsbG8="),
        ("", "base64", b""),
    ],
)
def test_decode_body(text: str, encoding: str, body: bytes) -> None:
    assert decode_body(text, encoding) == body
