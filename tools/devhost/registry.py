"""Turn an app's registered functions into typed descriptions the host can serve."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from azure.functions.decorators.function_app import Function


class RegistryError(ValueError):
    """A function cannot be hosted as written."""


class FunctionSource(Protocol):
    """Anything exposing the v2 programming model's function list (FunctionApp, Blueprint app)."""

    def get_functions(self) -> list[Function]: ...


@dataclass(frozen=True, kw_only=True)
class FunctionInfo:
    """What every hosted function has: a name, the callable and its trigger parameter."""

    name: str
    handler: Callable[..., Any]
    trigger_arg: str

    def invoke(self, trigger_value: object) -> Any:
        """Call the function with its trigger argument; its exceptions propagate."""
        return self.handler(**{self.trigger_arg: trigger_value})


@dataclass(frozen=True, kw_only=True)
class HttpFunction(FunctionInfo):
    """An httpTrigger function; `methods` None means every method."""

    route: str
    methods: frozenset[str] | None


@dataclass(frozen=True, kw_only=True)
class TimerFunction(FunctionInfo):
    """A timerTrigger function; `schedule` may still hold `%NAME%` references."""

    schedule: str


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


def _check_handler(name: str, handler: Callable[..., Any], trigger_arg: str) -> None:
    """Refuse, at start, a function the dev host would fail to call."""
    if inspect.iscoroutinefunction(handler):
        raise RegistryError(f"function {name!r}: async functions are not supported")
    try:
        params = inspect.signature(handler).parameters
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"function {name!r}: cannot inspect its signature: {exc}") from exc
    if trigger_arg not in params:
        raise RegistryError(
            f"function {name!r}: its trigger binding is named {trigger_arg!r} "
            f"but the Python function has no parameter of that name"
        )
    unbound = [
        p.name
        for p in params.values()
        if p.name != trigger_arg
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.default is inspect.Parameter.empty
    ]
    if unbound:
        raise RegistryError(
            f"function {name!r}: parameters {', '.join(unbound)} have no binding the dev host "
            f"can supply (it passes only the trigger; no context, no other bindings)"
        )


def _describe(
    name: str, handler: Callable[..., Any], bindings: Sequence[Mapping[str, Any]]
) -> HostedFunction | str:
    """The typed description, or the reason the function is skipped."""
    triggers = [b for b in bindings if str(b.get("type", "")).lower().endswith("trigger")]
    if len(triggers) != 1:
        return f"function {name!r} has {len(triggers)} triggers; skipped"
    trigger = triggers[0]
    kind = str(trigger.get("type", ""))
    if kind not in ("httpTrigger", "timerTrigger", "queueTrigger"):
        return f"function {name!r}: trigger type {kind!r} is not supported; skipped"
    for binding in bindings:
        is_http_return = binding.get("type") == "http" and binding.get("name") == "$return"
        if binding is not trigger and not (kind == "httpTrigger" and is_http_return):
            return (
                f"function {name!r}: binding {binding.get('name')!r} of type "
                f"{binding.get('type')!r} is not supported; skipped"
            )
    trigger_arg = str(trigger.get("name", ""))
    _check_handler(name, handler, trigger_arg)
    common: dict[str, Any] = {"name": name, "handler": handler, "trigger_arg": trigger_arg}
    if kind == "httpTrigger":
        methods = trigger.get("methods")
        return HttpFunction(
            **common,
            route=str(trigger.get("route") or name),
            methods=frozenset(str(m).upper() for m in methods) if methods else None,
        )
    if kind == "timerTrigger":
        return TimerFunction(**common, schedule=str(trigger["schedule"]))
    return QueueFunction(
        **common,
        queue_name=str(trigger["queueName"]),
        connection=str(trigger.get("connection") or "AzureWebJobsStorage"),
    )


def read_registry(app: FunctionSource) -> Registry:
    """Read the app's functions, once: `get_functions()` refuses to run twice on one app."""
    hosted: list[HostedFunction] = []
    skipped: list[str] = []
    for fn in app.get_functions():
        handler = fn.get_user_function()
        name = fn.get_function_name() or handler.__name__
        bindings = json.loads(fn.get_function_json()).get("bindings", [])
        described = _describe(name, handler, bindings)
        if isinstance(described, str):
            skipped.append(described)
        else:
            hosted.append(described)
    return Registry(functions=tuple(hosted), skipped=tuple(skipped))
