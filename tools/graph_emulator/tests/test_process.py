"""The emulator as a subprocess (tools.localstack), its CLI, certificates and saved state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from azure.identity import ClientSecretCredential

from tools.graph_emulator.certs import ensure_certificates
from tools.localstack import ROOT, GraphEmulatorService, LocalStack, start_graph_emulator

from .conftest import DEV_CLIENT_ID, DEV_CLIENT_SECRET, VISIO, local_session


def _cli_token(base: str, state_dir: Path) -> str:
    argv = [sys.executable, "-m", "tools.graph_emulator", "token", "contoso", "--url", base]
    done = subprocess.run(
        [*argv, "--state-dir", str(state_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def test_subprocess_serves_and_keeps_its_directory(tmp_path: Path) -> None:
    state = tmp_path / "graph"
    first = start_graph_emulator(state)
    try:
        assert first.settings()["GRAPH_BASE_URL"] == first.base_url
        credential = ClientSecretCredential(
            "contoso",
            DEV_CLIENT_ID,
            DEV_CLIENT_SECRET,
            authority=first.settings()["GRAPH_AUTHORITY_HOST"],
            disable_instance_discovery=True,
            connection_verify=first.settings()["GRAPH_CA_BUNDLE"],
        )
        token = credential.get_token("https://graph.microsoft.com/.default").token
        body = {"addLicenses": [{"skuId": VISIO, "disabledPlans": []}], "removeLicenses": []}
        assigned = local_session().post(
            f"{first.base_url}/v1.0/users/alex@contoso.com/assignLicense",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            verify=str(first.ca_cert),
            timeout=10,
        )
        assert assigned.status_code == 200
        ca = first.ca_cert.read_bytes()
    finally:
        first.stop()
    assert first.process.returncode == 0

    second = start_graph_emulator(state)
    try:
        assert second.ca_cert.read_bytes() == ca  # the CA is reused
        token = _cli_token(second.base_url, state)
        licences = (
            local_session()
            .get(
                f"{second.base_url}/v1.0/users/alex@contoso.com?$select=assignedLicenses",
                headers={"Authorization": f"Bearer {token}"},
                verify=str(second.ca_cert),
                timeout=10,
            )
            .json()["assignedLicenses"]
        )
        assert VISIO in {a["skuId"] for a in licences}  # the assignment survived the restart
    finally:
        second.stop()


def test_a_service_of_the_local_stack(tmp_path: Path) -> None:
    with LocalStack(GraphEmulatorService(0, tmp_path / "graph")) as stack:
        settings = stack.settings
        assert set(settings) == {
            "GRAPH_BASE_URL",
            "GRAPH_AUTHORITY_HOST",
            "GRAPH_CA_BUNDLE",
            "GRAPH_CLIENT_ID",
            "GRAPH_CLIENT_SECRET",
        }
        health = local_session().get(
            f"{settings['GRAPH_BASE_URL']}/_emulator/health",
            verify=settings["GRAPH_CA_BUNDLE"],
            timeout=5,
        )
        assert health.json() == {"status": "ok"}
        assert stack.stopped() == []
    assert stack.stopped() == []  # stopped by the stack, so no longer listed as started


def test_certificates_are_reused_only_while_valid(tmp_path: Path) -> None:
    paths = ensure_certificates(tmp_path)
    ca, server = paths.ca_cert.read_bytes(), paths.server_cert.read_bytes()
    again = ensure_certificates(tmp_path)
    assert (again.ca_cert.read_bytes(), again.server_cert.read_bytes()) == (ca, server)
    assert again.ca_bundle.read_bytes().endswith(ca)
    paths.server_key.write_text("garbage")
    renewed = ensure_certificates(tmp_path)
    assert renewed.ca_cert.read_bytes() == ca and renewed.server_cert.read_bytes() != server
    assert oct(paths.ca_key.stat().st_mode & 0o777) == "0o600"
