"""Custom checkov policy: storage must be Entra ID-only and never public.

Loaded with `checkov --external-checks-dir infra/checkov` (see tests/infra). It fails:

* a storage account whose `allowSharedKeyAccess` is not literally `false` (account keys
  and SAS would work; the property defaults to true when absent),
* a storage account whose `allowBlobPublicAccess` is not literally `false`,
* a blob container whose `publicAccess` is anything but `None`.

A parameter or expression counts as "not literally false": the guarantee must be
readable from the template itself.

Runs inside checkov's own virtualenv (.local/checkov-venv), never the app's.
"""

from __future__ import annotations

from typing import Any

from checkov.bicep.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

ACCOUNT = "Microsoft.Storage/storageAccounts"
CONTAINER = "Microsoft.Storage/storageAccounts/blobServices/containers"


class StorageIdentityOnly(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Storage allows neither shared keys nor public blob access",
            id="CKV_LR_1",
            categories=(CheckCategories.IAM,),
            supported_resources=(ACCOUNT, CONTAINER),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        properties = conf.get("properties")
        if self.entity_type == CONTAINER:
            self.evaluated_keys = ["properties/publicAccess"]
            access = properties.get("publicAccess") if isinstance(properties, dict) else None
            return CheckResult.PASSED if access in (None, "None") else CheckResult.FAILED
        self.evaluated_keys = [
            "properties/allowSharedKeyAccess",
            "properties/allowBlobPublicAccess",
        ]
        if not isinstance(properties, dict):
            return CheckResult.FAILED
        shared_key_off = properties.get("allowSharedKeyAccess") is False
        public_blob_off = properties.get("allowBlobPublicAccess") is False
        return CheckResult.PASSED if shared_key_off and public_blob_off else CheckResult.FAILED


check = StorageIdentityOnly()
