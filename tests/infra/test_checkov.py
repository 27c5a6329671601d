"""checkov passes infra/ with the project's custom storage policy, and that policy bites.

checkov lives in its own virtualenv (its pins clash with the app's): tools/ensure_checkov.sh
creates .local/checkov-venv, and `make test` runs it before pytest. Without that venv
these tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.bicep import INFRA, ROOT

CHECKOV = ROOT / ".local" / "checkov-venv" / "bin" / "checkov"
CUSTOM_CHECKS = INFRA / "checkov"
CUSTOM_ID = "CKV_LR_1"

pytestmark = pytest.mark.skipif(
    not CHECKOV.exists(),
    reason=f"{CHECKOV.relative_to(ROOT)} is absent: run tools/ensure_checkov.sh (make test does)",
)


def run_checkov(directory: Path, *extra: str) -> dict[str, Any]:
    """checkov's JSON report for the Bicep under `directory`; offline (--skip-download)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_"))}
    out = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "bicep",
            "--external-checks-dir",
            str(CUSTOM_CHECKS),
            "--skip-download",
            "--output",
            "json",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Exit code 1 means failed checks; anything else but 0 is checkov itself failing.
    assert out.returncode in (0, 1), out.stderr[-2000:]
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def test_infra_has_no_failed_check_and_every_skip_says_why() -> None:
    report = run_checkov(INFRA)
    summary = report["summary"]
    results = report["results"]
    assert summary["parsing_errors"] == 0, results.get("parsing_errors")
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert summary["failed"] == 0, failed
    for skipped in results["skipped_checks"]:
        reason = (skipped["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) >= 20, f"{skipped['check_id']} on {skipped['resource']}: no reason"
    custom = {c["resource"] for c in results["passed_checks"] if c["check_id"] == CUSTOM_ID}
    assert custom == {
        "Microsoft.Storage/storageAccounts.storage",
        "Microsoft.Storage/storageAccounts/blobServices/containers.deploymentContainer",
    }
    # The checks that matter most are run, not skipped.
    skipped_ids = {c["check_id"] for c in results["skipped_checks"]}
    assert not skipped_ids & {CUSTOM_ID, "CKV_AZURE_3", "CKV_AZURE_44", "CKV_AZURE_34"}


BAD_STORAGE = """
resource keyed 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stkeyed'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
  }
}

resource publicBlobs 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stpublic'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: true
  }
}

resource fine 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stfine'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
  }
}

resource openContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  name: 'stfine/default/open'
  properties: {
    publicAccess: 'Blob'
  }
}
"""


def test_custom_policy_fails_shared_key_or_public_blob_storage(tmp_path: Path) -> None:
    (tmp_path / "bad.bicep").write_text(BAD_STORAGE)
    report = run_checkov(tmp_path, "--check", CUSTOM_ID)
    results = report["results"]
    failed = {c["resource"] for c in results["failed_checks"] if c["check_id"] == CUSTOM_ID}
    passed = {c["resource"] for c in results["passed_checks"] if c["check_id"] == CUSTOM_ID}
    assert failed == {
        "Microsoft.Storage/storageAccounts.keyed",
        "Microsoft.Storage/storageAccounts.publicBlobs",
        "Microsoft.Storage/storageAccounts/blobServices/containers.openContainer",
    }
    assert passed == {"Microsoft.Storage/storageAccounts.fine"}
