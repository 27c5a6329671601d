"""Call user functions the way the Python worker does: sync in place, async on one event loop."""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar, cast

import azure.functions as func
from azure.functions import _abc as azf_abc

from .registry import FunctionInfo

_T = TypeVar("_T")


class _TraceContext(azf_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RpcException(azf_abc.RpcException):
    @property
    def source(self) -> str:
        return ""

    @property
    def stack_trace(self) -> str:
        return ""

    @property
    def message(self) -> str:
        return ""


class _RetryContext(azf_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> azf_abc.RpcException:
        return _RpcException()


class InvocationContext(func.Context):
    """The `context` argument for functions that declare one."""

    def __init__(self, function_name: str, function_directory: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._function_directory = function_directory
        self._local = threading.local()
        self._local.invocation_id = self._invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        # The SDK annotates a type but the worker hands out an instance; match the worker.
        return cast(type[threading.local], self._local)

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> azf_abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> azf_abc.RetryContext:
        return _RetryContext()


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


class Invoker:
    """Invoke functions; owns the single event loop shared by every `async def` function.

    One long-lived loop (like the worker's) rather than `asyncio.run` per call,
    so loop-bound resources an app caches (aiohttp sessions, async clients)
    stay usable across invocations, and no loop is built per request.
    """

    def __init__(self, function_directory: str) -> None:
        self._function_directory = function_directory
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="devhost-asyncio", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def invoke(self, fn: FunctionInfo, trigger_value: object) -> Any:
        """Call `fn` with its trigger argument (and context); return what it returned.

        Exceptions from the function propagate to the caller, which decides
        what a failure means for its trigger.
        """
        kwargs: dict[str, object] = {fn.trigger_arg: trigger_value}
        if fn.takes_context:
            kwargs["context"] = InvocationContext(fn.name, self._function_directory)
        result = fn.handler(**kwargs)
        if inspect.isawaitable(result):
            future = asyncio.run_coroutine_threadsafe(_await(result), self._running_loop())
            return future.result()
        return result

    def stop(self) -> None:
        """Stop the event loop, if one was started."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()
