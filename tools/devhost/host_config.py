"""host.json, local.settings.json and `%NAME%` app-setting expressions."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """host.json, local.settings.json or an app setting is missing or malformed."""


@dataclass(frozen=True)
class QueueSettings:
    """The `extensions.queues` settings of host.json the dev host honours, with the defaults."""

    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    batch_size: int = 16
    max_polling_interval: timedelta = timedelta(seconds=2)


@dataclass(frozen=True)
class HostConfig:
    """What the dev host reads from host.json."""

    route_prefix: str = "api"
    queues: QueueSettings = QueueSettings()


_TIMESPAN = re.compile(r"^(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")
_SETTING_REF = re.compile(r"%([^%]+)%")


def parse_timespan(text: str) -> timedelta:
    """Parse a .NET TimeSpan as host.json writes it: `[d.]hh:mm:ss[.fff]`."""
    match = _TIMESPAN.match(text.strip())
    if match is None:
        raise ConfigError(f"{text!r} is not a time span like 00:00:30")
    return timedelta(
        days=int(match["d"] or 0),
        hours=int(match["h"]),
        minutes=int(match["m"]),
        seconds=float(match["s"]),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: Visual Studio writes these files with a BOM.
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return data


def _section(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    current: Any = data
    for key in keys:
        current = current.get(key, {}) if isinstance(current, Mapping) else {}
    return current if isinstance(current, Mapping) else {}


def _timespan(section: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    value = section.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ConfigError(f"host.json extensions.queues.{key} must be a time span like 00:00:30")
    try:
        return parse_timespan(value)
    except ConfigError as exc:
        raise ConfigError(f"host.json extensions.queues.{key}: {exc}") from exc


def _integer(section: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"host.json extensions.queues.{key} must be an integer in [{low}, {high}]"
        )
    return value


def load_host_config(root: Path) -> HostConfig:
    """Read `root/host.json`; a missing file means every default."""
    path = root / "host.json"
    if not path.exists():
        return HostConfig()
    data = _read_json(path)
    prefix = _section(data, "extensions", "http").get("routePrefix", "api")
    if not isinstance(prefix, str):
        raise ConfigError("host.json extensions.http.routePrefix must be a string")
    queues = _section(data, "extensions", "queues")
    settings = QueueSettings(
        max_dequeue_count=_integer(queues, "maxDequeueCount", 5, 1, 1_000_000),
        visibility_timeout=_timespan(queues, "visibilityTimeout", timedelta(0)),
        # The queue service hands out at most 32 messages per request.
        batch_size=_integer(queues, "batchSize", 16, 1, 32),
        max_polling_interval=_timespan(queues, "maxPollingInterval", timedelta(seconds=2)),
    )
    if settings.max_polling_interval < timedelta(milliseconds=100):
        raise ConfigError("host.json extensions.queues.maxPollingInterval must be >= 100 ms")
    return HostConfig(route_prefix=prefix.strip("/"), queues=settings)


def read_local_settings(root: Path) -> dict[str, str]:
    """The `Values` of `root/local.settings.json` (empty when there is no such file)."""
    path = root / "local.settings.json"
    if not path.exists():
        return {}
    values = _read_json(path).get("Values", {})
    if not isinstance(values, Mapping) or not all(isinstance(v, str) for v in values.values()):
        raise ConfigError(f"{path}: Values must be an object of strings")
    return {str(key): value for key, value in values.items()}


def apply_local_settings(
    values: Mapping[str, str], environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Copy settings into the environment where not already set; return the keys copied.

    The environment wins, as in Core Tools, so a CI job or a shell export can
    override a developer's file without editing it.
    """
    target = os.environ if environ is None else environ
    applied = [key for key in values if key not in target]
    for key in applied:
        target[key] = values[key]
    return applied


def resolve_setting_refs(text: str, what: str, environ: Mapping[str, str]) -> str:
    """Replace every `%NAME%` in `text` with app setting NAME, as the host does for bindings.

    `what` names the binding property in the error message, so a missing
    setting is reported against the function that needs it.
    """

    def substitute(match: re.Match[str]) -> str:
        value = environ.get(match.group(1))
        if value is None:
            raise ConfigError(f"{what}: app setting {match.group(1)!r} (from {text!r}) is not set")
        return value

    return _SETTING_REF.sub(substitute, text)
