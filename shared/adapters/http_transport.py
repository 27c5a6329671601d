"""A lean azure-core HTTP transport on urllib3, shared by every SDK client of the process.

azure-core's default `RequestsTransport` spends a third of a Table Storage call's CPU inside
`requests` (session merging, proxy lookups in the environment, hooks, cookie jars) before
urllib3 sends anything: ~0.27 of ~0.95 ms per call on the bench machine. The app makes
thousands of such calls a second in the email worker, so this transport hands the SDK's
request straight to a urllib3 connection pool instead. What the SDKs rely on is kept:

* the clients' `connection_timeout` / `read_timeout` are honoured: azure-core hands them
  only to a transport it builds itself, so each client gets a thin `_Timed` view of the
  shared transport that carries its own (without it a black-holed endpoint held a call
  for azure-core's default 300 s);
* failures raise the same azure-core errors as `RequestsTransport`, so `RetryPolicy`, the
  503 mapping of storage outages and the email worker's retry decisions behave unchanged;
* bodies are read in full, as the SDKs do for every call the app makes.

With a proxy configured in the environment, or for a legacy `pipeline.transport` request,
the SDK's own `RequestsTransport` is used instead (requests knows proxies; this does not).
"""

from __future__ import annotations

import threading
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import urllib3
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpTransport, RequestsTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

# azure-core's own defaults (ConnectionConfiguration), for a call that passes no timeout.
_DEFAULT_TIMEOUT = 300.0
# Connections kept per host: the worker runs up to 16 invocations, each with a few calls.
POOL_SIZE = 64


class _Response(HttpResponseImpl):
    """An `azure.core.rest.HttpResponse` whose body was read in full by urllib3."""

    def __init__(self, request: HttpRequest, raw: urllib3.BaseHTTPResponse) -> None:
        headers = raw.headers  # urllib3's HTTPHeaderDict: case-insensitive already
        super().__init__(
            request=request,
            internal_response=raw,
            status_code=raw.status,
            reason=raw.reason or "",
            content_type=headers.get("Content-Type"),
            headers=headers,
            stream_download_generator=None,
        )
        self._content = raw.data
        self._is_stream_consumed = True


class Urllib3Transport(HttpTransport[Any, Any]):
    """Sends azure-core requests through one thread-safe urllib3 `PoolManager`."""

    def __init__(self, pool_size: int = POOL_SIZE, ca_certs: str | None = None) -> None:
        self._pools = urllib3.PoolManager(
            maxsize=pool_size, retries=False, ca_certs=ca_certs or _ca_bundle()
        )
        self._legacy: RequestsTransport | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Urllib3Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        # Shared by every client of the process: one client closing must not close it.
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send one request; raise azure-core's error types as `RequestsTransport` does."""
        if not isinstance(request, HttpRequest):
            return self._legacy_transport().send(request, **kwargs)
        if request.files:
            raise ValueError("Urllib3Transport does not send multipart/form-data files")
        connect = kwargs.pop("connection_timeout", _DEFAULT_TIMEOUT)
        read = kwargs.pop("read_timeout", _DEFAULT_TIMEOUT)
        if isinstance(connect, tuple):
            connect, read = connect
        headers = dict(request.headers)
        body = request.content
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, bytes | bytearray):
            # azure-core may have counted characters of a str body; the wire carries bytes
            # (requests recomputes it the same way).
            headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
            headers["Content-Length"] = str(len(body))
        # The pool by host, and the target by hand: urllib3's own URL parsing costs more.
        url = urlsplit(request.url)
        target = f"{url.path or '/'}?{url.query}" if url.query else url.path or "/"
        try:
            pool = self._pools.connection_from_host(url.hostname, url.port, scheme=url.scheme)
            raw = pool.urlopen(
                request.method,
                target,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=connect, read=read),
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=True,
            )
        except ConnectTimeoutError as exc:
            raise ServiceRequestTimeoutError(exc, error=exc) from exc
        except NewConnectionError as exc:
            raise ServiceRequestError(exc, error=exc) from exc
        except ReadTimeoutError as exc:
            raise ServiceResponseTimeoutError(exc, error=exc) from exc
        except ProtocolError as exc:
            # The connection broke after the request went out: the response is what failed.
            raise ServiceResponseError(exc, error=exc) from exc
        except HTTPError as exc:
            raise ServiceRequestError(exc, error=exc) from exc
        return _Response(request, raw)

    def _legacy_transport(self) -> RequestsTransport:
        with self._lock:
            if self._legacy is None:
                self._legacy = RequestsTransport()
            return self._legacy


def _ca_bundle() -> str | None:
    """Verify TLS against certifi's bundle, as `requests` (azure-core's default) does."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - then the system store, urllib3's default
        return None
    return str(certifi.where())


_shared: Urllib3Transport | None = None
_shared_lock = threading.Lock()


def shared_transport() -> Urllib3Transport | None:
    """The process's one transport, or None when a proxy is configured (use the default)."""
    global _shared
    proxies = urllib.request.getproxies()
    if proxies.get("http") or proxies.get("https"):
        return None
    with _shared_lock:
        if _shared is None:
            _shared = Urllib3Transport()
        return _shared


class _Timed(HttpTransport[Any, Any]):
    """The shared transport with one client's timeouts as the default of every send."""

    def __init__(self, inner: Urllib3Transport, timeouts: dict[str, float]) -> None:
        self._inner = inner
        self._timeouts = timeouts

    def __enter__(self) -> _Timed:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send through the shared transport, with this client's timeouts unless given."""
        return self._inner.send(request, **{**self._timeouts, **kwargs})


def transport_options(
    connection_timeout: float = _DEFAULT_TIMEOUT, read_timeout: float = _DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """`{"transport": ...}` for an SDK client's keyword arguments, with the client's own
    timeouts, or {} for the default transport (which takes them from the client)."""
    transport = shared_transport()
    if transport is None:
        return {}
    timeouts = {"connection_timeout": connection_timeout, "read_timeout": read_timeout}
    return {"transport": _Timed(transport, timeouts)}
