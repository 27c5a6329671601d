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
    """The `extensions.queues` section of host.json, with the host's defaults."""

    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: timedelta = timedelta(seconds=2)
    message_encoding: str = "base64"


@dataclass(frozen=True)
class HostConfig:
    """What the dev host reads from host.json."""

    route_prefix: str = "api"
    queues: QueueSettings = QueueSettings()


@dataclass(frozen=True)
class LocalSettings:
    """What the dev host reads from local.settings.json."""

    values: Mapping[str, str]
    http_port: int | None = None


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


def _timespan_setting(section: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    value = section.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ConfigError(f"host.json extensions.queues.{key} must be a time span")
    if isinstance(value, int | float):
        # Functions 1.x wrote these as milliseconds; old host.json files still do.
        return timedelta(milliseconds=value)
    if isinstance(value, str):
        try:
            return parse_timespan(value)
        except ConfigError as exc:
            raise ConfigError(f"host.json extensions.queues.{key}: {exc}") from exc
    raise ConfigError(f"host.json extensions.queues.{key} must be a time span")


def _int_setting(section: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
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
    # The queue service hands out at most 32 messages per request.
    batch_size = _int_setting(queues, "batchSize", 16, 1, 32)
    encoding = queues.get("messageEncoding", "base64")
    if not isinstance(encoding, str) or encoding.lower() not in ("base64", "none"):
        raise ConfigError("host.json extensions.queues.messageEncoding must be base64 or none")
    queue_settings = QueueSettings(
        max_dequeue_count=_int_setting(queues, "maxDequeueCount", 5, 1, 1_000_000),
        visibility_timeout=_timespan_setting(queues, "visibilityTimeout", timedelta(0)),
        batch_size=batch_size,
        new_batch_threshold=_int_setting(
            queues, "newBatchThreshold", batch_size // 2, 0, batch_size
        ),
        max_polling_interval=_timespan_setting(queues, "maxPollingInterval", timedelta(seconds=2)),
        message_encoding=encoding.lower(),
    )
    if queue_settings.max_polling_interval < timedelta(milliseconds=100):
        raise ConfigError("host.json extensions.queues.maxPollingInterval must be >= 100 ms")
    return HostConfig(route_prefix=prefix.strip("/"), queues=queue_settings)


def _setting_text(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ConfigError(f"local.settings.json Values.{key} must be a string")


def read_local_settings(root: Path) -> LocalSettings | None:
    """Read `root/local.settings.json`, or None when there is none."""
    path = root / "local.settings.json"
    if not path.exists():
        return None
    data = _read_json(path)
    if data.get("IsEncrypted") is True:
        raise ConfigError(f"{path} is encrypted; the dev host reads only plain settings")
    raw_values = data.get("Values", {})
    if not isinstance(raw_values, Mapping):
        raise ConfigError(f"{path}: Values must be an object")
    values = {
        str(key): _setting_text(str(key), value)
        for key, value in raw_values.items()
        if value is not None
    }
    port = _section(data, "Host").get("LocalHttpPort")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
        raise ConfigError(f"{path}: Host.LocalHttpPort must be an integer")
    return LocalSettings(values=values, http_port=port)


def apply_local_settings(
    settings: LocalSettings, environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Copy settings into the environment where not already set; return the keys copied.

    The environment wins, as in Core Tools, so a CI job or a shell export can
    override a developer's file without editing it.
    """
    target = os.environ if environ is None else environ
    applied = []
    for key, value in settings.values.items():
        if key not in target:
            target[key] = value
            applied.append(key)
    return applied


def resolve_setting_refs(text: str, what: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every `%NAME%` in `text` with app setting NAME, as the host does for bindings.

    `what` names the binding property in the error message, so a missing
    setting is reported against the function that needs it.
    """
    source = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = source.get(name)
        if value is None:
            raise ConfigError(f"{what}: app setting {name!r} (from {text!r}) is not set")
        return value

    return _SETTING_REF.sub(substitute, text)


def setting_names(text: str) -> list[str]:
    """The app setting names `%NAME%` references in `text`, for error messages."""
    return _SETTING_REF.findall(text)
