"""Turn an app's registered functions into typed descriptions the host can serve."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from azure.functions.decorators.function_app import Function


class RegistryError(ValueError):
    """A function cannot be hosted as written (the real worker would refuse to index it)."""


class FunctionSource(Protocol):
    """Anything exposing the v2 programming model's function list (FunctionApp, Blueprint app)."""

    def get_functions(self) -> list[Function]: ...


@dataclass(frozen=True, kw_only=True)
class FunctionInfo:
    """What every hosted function has: a name, the callable and how to pass its trigger."""

    name: str
    handler: Callable[..., Any]
    trigger_arg: str
    takes_context: bool

    @property
    def is_async(self) -> bool:
        """Whether invoking the handler returns a coroutine to await."""
        return inspect.iscoroutinefunction(self.handler)


@dataclass(frozen=True, kw_only=True)
class HttpFunction(FunctionInfo):
    """An httpTrigger function; `methods` None means every method."""

    route: str
    methods: frozenset[str] | None
    auth_level: str


@dataclass(frozen=True, kw_only=True)
class TimerFunction(FunctionInfo):
    """A timerTrigger function; `schedule` may still hold `%NAME%` references."""

    schedule: str
    run_on_startup: bool


@dataclass(frozen=True, kw_only=True)
class QueueFunction(FunctionInfo):
    """A queueTrigger function; `queue_name` may still hold `%NAME%` references."""

    queue_name: str
    connection: str


HostedFunction = HttpFunction | TimerFunction | QueueFunction
_F = TypeVar("_F", bound=FunctionInfo)


@dataclass(frozen=True)
class Registry:
    """The functions to host, plus why others were left out."""

    functions: tuple[HostedFunction, ...]
    skipped: tuple[str, ...]

    def of_type(self, kind: type[_F]) -> list[_F]:
        """The hosted functions of one trigger kind, in registration order."""
        return [fn for fn in self.functions if isinstance(fn, kind)]


_TRIGGERS = ("httptrigger", "timertrigger", "queuetrigger")


def _is_disabled(name: str, environ: Mapping[str, str]) -> bool:
    # The real host honours this app setting, so a function can be switched off
    # in local.settings.json without touching code.
    flag = environ.get(f"AzureWebJobs.{name}.Disabled", "")
    return flag.strip().lower() in ("true", "1")


def _check_signature(name: str, handler: Callable[..., Any], trigger_arg: str) -> bool:
    """Validate the handler's parameters against its bindings; return whether it takes context.

    Mirrors the worker's indexing check: a mismatch is a bug the real host
    would report at start, so it is better found here than at first call.
    """
    try:
        params = inspect.signature(handler).parameters
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"function {name!r}: cannot inspect its signature: {exc}") from exc
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    trigger_param = params.get(trigger_arg)
    if trigger_param is None and not var_kw:
        raise RegistryError(
            f"function {name!r}: its trigger binding is named {trigger_arg!r} "
            f"but the Python function has no parameter of that name"
        )
    if trigger_param is not None and trigger_param.kind is inspect.Parameter.POSITIONAL_ONLY:
        raise RegistryError(f"function {name!r}: parameter {trigger_arg!r} is positional-only")
    takes_context = "context" in params and trigger_arg != "context"
    unbound = [
        p.name
        for p in params.values()
        if p.name not in (trigger_arg, "context")
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.default is inspect.Parameter.empty
    ]
    if unbound:
        raise RegistryError(
            f"function {name!r}: parameters {', '.join(unbound)} have no binding the dev host "
            f"can supply"
        )
    return takes_context


def _describe(
    name: str, handler: Callable[..., Any], bindings: Sequence[Mapping[str, Any]]
) -> HostedFunction | str:
    """The typed description, or the reason the function is skipped."""
    triggers = [b for b in bindings if str(b.get("type", "")).lower().endswith("trigger")]
    if len(triggers) != 1:
        return f"function {name!r} has {len(triggers)} triggers; skipped"
    trigger = triggers[0]
    kind = str(trigger.get("type", ""))
    if kind.lower() not in _TRIGGERS:
        return f"function {name!r}: trigger type {kind!r} is not supported; skipped"

    is_http = kind.lower() == "httptrigger"
    for binding in bindings:
        if binding is trigger:
            continue
        btype = str(binding.get("type", ""))
        direction = str(binding.get("direction", "")).lower()
        if is_http and btype.lower() == "http" and binding.get("name") == "$return":
            continue
        return (
            f"function {name!r}: {direction} binding {binding.get('name')!r} of type "
            f"{btype!r} is not supported; skipped"
        )

    trigger_arg = str(trigger.get("name", ""))
    takes_context = _check_signature(name, handler, trigger_arg)
    common: dict[str, Any] = {
        "name": name,
        "handler": handler,
        "trigger_arg": trigger_arg,
        "takes_context": takes_context,
    }
    if is_http:
        if not any(b.get("name") == "$return" for b in bindings):
            return f"function {name!r}: an HTTP function needs an http $return binding; skipped"
        methods = trigger.get("methods")
        return HttpFunction(
            **common,
            route=str(trigger.get("route") or name),
            methods=frozenset(str(m).upper() for m in methods) if methods else None,
            auth_level=str(trigger.get("authLevel", "")),
        )
    if kind.lower() == "timertrigger":
        schedule = trigger.get("schedule")
        if not isinstance(schedule, str) or not schedule.strip():
            raise RegistryError(f"function {name!r}: timer trigger has no schedule")
        return TimerFunction(
            **common, schedule=schedule, run_on_startup=bool(trigger.get("runOnStartup"))
        )
    queue_name = trigger.get("queueName")
    if not isinstance(queue_name, str) or not queue_name.strip():
        raise RegistryError(f"function {name!r}: queue trigger has no queueName")
    return QueueFunction(
        **common,
        queue_name=queue_name,
        connection=str(trigger.get("connection") or "AzureWebJobsStorage"),
    )


def read_registry(app: FunctionSource, environ: Mapping[str, str] | None = None) -> Registry:
    """Read the app's functions, once: `get_functions()` refuses to run twice on one app."""
    source = os.environ if environ is None else environ
    hosted: list[HostedFunction] = []
    skipped: list[str] = []
    for fn in app.get_functions():
        handler = fn.get_user_function()
        name = fn.get_function_name() or handler.__name__
        if _is_disabled(name, source):
            skipped.append(f"function {name!r} is disabled by AzureWebJobs.{name}.Disabled")
            continue
        bindings = json.loads(fn.get_function_json()).get("bindings", [])
        described = _describe(name, handler, bindings)
        if isinstance(described, str):
            skipped.append(described)
        else:
            hosted.append(described)
    return Registry(functions=tuple(hosted), skipped=tuple(skipped))
