"""The web console: its static files under console/ and its sign-in configuration.

`GET /api/console/{*path}` serves only regular files below `console/` whose extension is
known, with a strict Content-Security-Policy (no inline script or style anywhere).
`GET /api/console/config.json` is built from the settings: how the console signs in.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import azure.functions as func

from functions._http import problem_response
from shared.config import Settings, get_settings
from shared.domain.errors import NotFound

bp = func.Blueprint()

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/organizations"
ENTRA_ORIGIN = "https://login.microsoftonline.com"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
# Vendored files carry their version in their name, so they never change under one URL.
_IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else revalidates (cheap 304s by ETag): no build step fingerprints it.
_REVALIDATE = "no-cache"
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def content_security_policy(authority: str = DEFAULT_AUTHORITY) -> str:
    """The console's CSP; a non-default sign-in authority's origin may be connected to."""
    connect = ["'self'", ENTRA_ORIGIN]
    origin = _origin(authority)
    if origin and origin not in connect:
        connect.append(origin)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {' '.join(connect)}; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )


def _origin(url: str) -> str | None:
    match = re.match(r"^(https://[A-Za-z0-9.-]+(?::\d+)?)(?:/|$)", url)
    return match.group(1).lower() if match else None


def _headers(settings: Settings, cache: str, etag: str | None = None) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(_authority(settings)),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": cache,
    }
    if etag:
        headers["ETag"] = etag
    return headers


def _authority(settings: Settings) -> str:
    return (settings.console_authority or DEFAULT_AUTHORITY).rstrip("/")


def console_config(settings: Settings) -> dict[str, Any]:
    """How the console signs in: dev tokens, or MSAL.js (PKCE) against Microsoft Entra ID.

    In entra mode the client id is `CONSOLE_CLIENT_ID`, else the API's own audience when
    it is an app id (GUID or `api://GUID`); the scope is `CONSOLE_API_SCOPE`, else
    `<audience as api://...>/.default`; the authority is `CONSOLE_AUTHORITY`, default
    `https://login.microsoftonline.com/organizations`.
    """
    if settings.auth_mode == "dev":
        return {"authMode": "dev"}
    audience = settings.auth_audience[0] if settings.auth_audience else ""
    bare = audience.removeprefix("api://")
    client_id = settings.console_client_id or (bare if _GUID.match(bare) else None)
    resource = audience if audience.startswith("api://") else f"api://{audience}"
    scope = settings.console_api_scope or f"{resource.rstrip('/')}/.default"
    return {
        "authMode": "entra",
        "clientId": client_id,
        "authority": _authority(settings),
        "scopes": [scope],
        "redirectPath": "auth-redirect.html",
    }


def resolve_console_file(path: str, root: Path = CONSOLE_DIR) -> Path | None:
    """The file below `root` that `path` names, or None (traversal, hidden, unknown type)."""
    segments = path.split("/") if path else []
    if segments and segments[-1] == "":
        segments = [*segments[:-1], "index.html"]
    if not segments:
        segments = ["index.html"]
    if not all(_SAFE_SEGMENT.match(s) and s not in (".", "..") for s in segments):
        return None
    if Path(segments[-1]).suffix.lower() not in CONTENT_TYPES:
        return None
    base = root.resolve()
    candidate = base.joinpath(*segments).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def _not_found(settings: Settings) -> func.HttpResponse:
    error = NotFound("No such console file.")
    error.headers.update(
        {k: v for k, v in _headers(settings, "no-store").items() if k != "Cache-Control"}
    )
    return problem_response(error)


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _fresh(req: func.HttpRequest, etag: str) -> bool:
    sent = req.headers.get("If-None-Match") or ""
    return any(tag.strip() in (etag, f"W/{etag}", "*") for tag in sent.split(","))


def serve(req: func.HttpRequest, settings: Settings) -> func.HttpResponse:
    """The answer to GET /api/console/{*path}."""
    path = req.route_params.get("path") or ""
    if not path and not _url_path(req.url).endswith("/"):
        # Relative URLs in index.html need the trailing slash.
        headers = _headers(settings, "no-store")
        headers["Location"] = _url_path(req.url) + "/"
        return func.HttpResponse(status_code=308, headers=headers)
    if path == "config.json":
        return func.HttpResponse(
            json.dumps(console_config(settings)),
            status_code=200,
            mimetype="application/json",
            charset="utf-8",
            headers=_headers(settings, "no-store"),
        )
    file = resolve_console_file(path)
    if file is None:
        return _not_found(settings)
    data = file.read_bytes()
    etag = _etag(data)
    relative = file.relative_to(CONSOLE_DIR.resolve()).as_posix()
    cache = _IMMUTABLE if relative.startswith("vendor/") else _REVALIDATE
    headers = _headers(settings, cache, etag)
    content_type = CONTENT_TYPES[file.suffix.lower()]
    headers["Content-Type"] = content_type
    if _fresh(req, etag):
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(
        data, status_code=200, headers=headers, mimetype=content_type.split(";")[0]
    )


def _url_path(url: str) -> str:
    path = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", url)
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


@bp.route(route="console/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def console(req: func.HttpRequest) -> func.HttpResponse:
    """The console's static files (index.html for the root) and its config.json."""
    settings = get_settings()
    try:
        return serve(req, settings)
    except OSError:
        return _not_found(settings)
