"""The console's HTTP function without a browser: files, traversal, headers, config, vendor."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import azure.functions as func
import pytest

from functions import console_http
from shared.config import load_settings
from tools import vendor_console
from tools.inprocess import registered

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https://login.microsoftonline.com; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
DEV = load_settings({"AUTH_MODE": "dev"})


def _get(path: str, url: str | None = None, **headers: str) -> func.HttpResponse:
    request = func.HttpRequest(
        "GET",
        url or f"http://127.0.0.1:7071/api/console/{path}",
        headers=headers,
        route_params={"path": path} if path else {},
        body=b"",
    )
    return console_http.serve(request, DEV)


def test_the_app_registers_the_console_function() -> None:
    routes = {
        (method, binding["route"])
        for f in registered()
        for binding in json.loads(f.get_function_json())["bindings"]
        if binding["type"] == "httpTrigger"
        for method in binding.get("methods", ["*"])  # the catch-all has no methods: all
    }
    assert ("GET", "console/{*path}") in routes


def test_the_root_serves_index_html_with_the_strict_csp() -> None:
    response = _get("")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_body() == (CONSOLE / "index.html").read_bytes()


def test_the_root_without_its_slash_redirects_so_relative_urls_work() -> None:
    response = _get("", url="http://127.0.0.1:7071/api/console")
    assert response.status_code == 308
    assert response.headers["Location"] == "/api/console/"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("styles.css", "text/css; charset=utf-8"),
        ("js/app.js", "text/javascript; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
        ("vendor/manifest.json", "application/json; charset=utf-8"),
    ],
)
def test_files_have_their_content_type_and_an_etag(path: str, content_type: str) -> None:
    response = _get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Security-Policy"] == CSP
    etag = response.headers["ETag"]
    again = _get(path, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_body() == b""


def test_vendored_files_are_cached_as_immutable() -> None:
    manifest = json.loads((CONSOLE / "vendor" / "manifest.json").read_text())
    response = _get(f"vendor/{manifest['files']['msal']['file']}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "../function_app.py",
        "..%2ffunction_app.py",
        "%2e%2e/function_app.py",
        "%2e%2e%2ffunction_app.py",
        "js/../../function_app.py",
        "vendor/../../shared/config.py",
        "/etc/passwd",
        "..\\function_app.py",
        "js//app.js",
        ".gitignore",
        "js/.hidden.js",
        "missing.html",
        "js",
        "index.html/",
        "index.html\x00.css",
    ],
)
def test_nothing_outside_console_or_unknown_is_served(path: str) -> None:
    response = _get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Security-Policy"] == CSP
    assert b"import" not in response.get_body()


def test_a_symlink_out_of_the_console_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "console").mkdir()
    (tmp_path / "secret.js").write_text("secret")
    (tmp_path / "console" / "link.js").symlink_to(tmp_path / "secret.js")
    (tmp_path / "console" / "ok.js").write_text("ok")
    assert console_http.resolve_console_file("link.js", tmp_path / "console") is None
    assert console_http.resolve_console_file("ok.js", tmp_path / "console") is not None


def test_config_in_dev_mode_uses_the_dev_sign_in() -> None:
    response = _get("config.json")
    assert response.status_code == 200
    assert json.loads(response.get_body()) == {"authMode": "dev"}
    assert response.headers["Cache-Control"] == "no-store"


def test_config_in_entra_mode_gives_msal_its_client_authority_and_scope() -> None:
    entra = {
        "AUTH_MODE": "entra",
        "AUTH_AUDIENCE": "api://5c1f2a3e-7d1b-4b8e-9a55-0c1e2d3f4a5b",
        "CURSOR_SECRET": "c" * 40,
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    }
    assert console_http.console_config(load_settings(entra)) == {
        "authMode": "entra",
        "clientId": "5c1f2a3e-7d1b-4b8e-9a55-0c1e2d3f4a5b",
        "authority": "https://login.microsoftonline.com/organizations",
        "scopes": ["api://5c1f2a3e-7d1b-4b8e-9a55-0c1e2d3f4a5b/.default"],
        "redirectPath": "auth-redirect.html",
    }
    custom = console_http.console_config(
        load_settings(
            {
                **entra,
                "CONSOLE_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                "CONSOLE_AUTHORITY": "https://login.microsoftonline.com/contoso.onmicrosoft.com/",
                "CONSOLE_API_SCOPE": "api://license-requests/Requests.ReadWrite",
            }
        )
    )
    assert custom["clientId"] == "11111111-2222-3333-4444-555555555555"
    assert custom["authority"] == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    assert custom["scopes"] == ["api://license-requests/Requests.ReadWrite"]
    # An audience that is not an app id cannot double as the SPA's client id.
    named = load_settings(
        {
            "AUTH_MODE": "entra",
            "AUTH_AUDIENCE": "api://license-requests",
            "CURSOR_SECRET": "c" * 40,
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        }
    )
    assert console_http.console_config(named)["clientId"] is None


def test_another_authority_host_is_allowed_to_connect() -> None:
    assert console_http.content_security_policy() == CSP
    csp = console_http.content_security_policy("https://contoso.ciamlogin.com/contoso/")
    connect = "connect-src 'self' https://login.microsoftonline.com https://contoso.ciamlogin.com;"
    assert connect in csp


def test_through_the_dev_host_traversal_is_404_and_index_has_the_csp(base_url: str) -> None:
    host = urlsplit(base_url)
    for raw_path, status in [
        ("/api/console/", 200),
        ("/api/console/index.html", 200),
        ("/api/console/%2e%2e/function_app.py", 404),
        ("/api/console/%2E%2E%2Ffunction_app.py", 404),
        ("/api/console/../function_app.py", 404),
        ("/api/console/js/%2e%2e/%2e%2e/host.json", 404),
    ]:
        connection = http.client.HTTPConnection(host.hostname or "", host.port, timeout=10)
        try:
            connection.request("GET", raw_path)  # sent as is: no client-side normalising
            response = connection.getresponse()
            body = response.read()
            assert response.status == status, raw_path
            assert response.getheader("Content-Security-Policy") == CSP, raw_path
            if status == 200:
                assert b'<script type="module" src="js/app.js"></script>' in body
            else:
                assert b"routePrefix" not in body and b"FunctionApp" not in body
        finally:
            connection.close()


def test_the_console_has_no_inline_script_style_or_handlers() -> None:
    for page in CONSOLE.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert "<style" not in html, page
        assert not re.search(r"\sstyle=", html), page
        assert not re.search(r"\son[a-z]+=", html), page
    for script in (CONSOLE / "js").rglob("*.js"):
        code = script.read_text()
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", ".style.", "eval("):
            assert forbidden not in code, f"{script}: {forbidden}"
        assert '"style"' not in code, script


def test_english_and_korean_have_the_same_strings() -> None:
    source = (CONSOLE / "js" / "i18n.js").read_text()
    english = source[source.index("  en: {") : source.index("  ko: {")]
    korean = source[source.index("  ko: {") : source.index("\n};")]
    keys = re.compile(r'^\s+"([\w.]+)":', re.M)
    assert keys.findall(english) == keys.findall(korean)
    assert len(keys.findall(english)) > 100


def test_the_vendored_msal_matches_package_lock() -> None:
    manifest = json.loads((CONSOLE / "vendor" / "manifest.json").read_text())
    assert manifest["package"] == "@azure/msal-browser"
    assert manifest["version"] == vendor_console.locked_version()
    for entry in manifest["files"].values():
        assert manifest["version"] in entry["file"]
        data = (CONSOLE / "vendor" / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert f"@azure/msal-browser v{manifest['version']}".encode() in data[:200]
    if (ROOT / "node_modules" / "@azure" / "msal-browser").is_dir():
        assert vendor_console.stale() == [], "run: python -m tools.vendor_console"
