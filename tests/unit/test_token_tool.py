"""`python -m tools.token` prints a dev token that the dev verifier accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jwt

from shared.adapters.auth import DevTokenVerifier
from shared.config import DEV_JWT_SECRET_DEFAULT

ROOT = Path(__file__).resolve().parents[2]


def run_tool(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AUTH_MODE", "DEV_JWT_SECRET"} and not k.startswith("AzureWebJobsStorage")
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tools.token", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_printed_token_is_accepted_by_the_dev_verifier() -> None:
    result = run_tool("--tenant", "contoso", "--user", "alice@contoso.com")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n", "just the token on stdout"
    principal = DevTokenVerifier(DEV_JWT_SECRET_DEFAULT).verify(token)
    assert principal.tenant_id == "contoso"
    assert principal.email == "alice@contoso.com"
    assert principal.name == "alice"
    assert principal.is_global_admin is False


def test_admin_name_and_lifetime_options_reach_the_token() -> None:
    secret = "a-custom-dev-secret-0123456789abcdef0123456789"
    result = run_tool(
        "--tenant",
        "fabrikam",
        "--user",
        "boss@fabrikam.com",
        "--name",
        "The Boss",
        "--admin",
        "--hours",
        "2",
        DEV_JWT_SECRET=secret,
        AUTH_MODE="dev",
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    principal = DevTokenVerifier(secret).verify(token)
    assert principal.name == "The Boss"
    assert principal.is_global_admin is True
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    hours_left = (exp - datetime.now(UTC).timestamp()) / 3600
    assert 1.9 < hours_left <= 2.0


def test_the_same_user_gets_the_same_id_from_every_run() -> None:
    verifier = DevTokenVerifier(DEV_JWT_SECRET_DEFAULT)
    ids = {
        verifier.verify(run_tool("--tenant", "contoso", "--user", user).stdout.strip()).user_id
        for user in ("alice@contoso.com", "ALICE@contoso.com")
    }
    assert len(ids) == 1


def test_the_tool_refuses_to_run_outside_dev_mode() -> None:
    result = run_tool("--tenant", "contoso", "--user", "alice@contoso.com", AUTH_MODE="entra")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "AUTH_MODE" in result.stderr


def test_the_tool_refuses_a_tenant_unfit_for_a_partition_key() -> None:
    result = run_tool("--tenant", "bad tenant", "--user", "alice@contoso.com")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "tenant" in result.stderr


def test_the_tool_refuses_a_non_positive_lifetime() -> None:
    result = run_tool("--tenant", "contoso", "--user", "a@contoso.com", "--hours", "0")
    assert result.returncode == 2
    assert "hours" in result.stderr or "positive" in result.stderr


def test_the_tool_refuses_a_short_dev_secret() -> None:
    result = run_tool("--tenant", "contoso", "--user", "a@contoso.com", DEV_JWT_SECRET="short")
    assert result.returncode == 2
    assert "DEV_JWT_SECRET" in result.stderr
