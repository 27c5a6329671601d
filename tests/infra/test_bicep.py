"""infra/ declares what the issue asks for: resources, security flags, roles, app settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.config import SCHEDULE_DEFAULTS, Settings
from tests.infra import bicep
from tests.infra.bicep import body, decorators, main, module, the_resource

ROLE_IDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Communication and Email Service Owner": "09976791-48a7-449e-bb21-39d1a415f350",
}

# Every type@version the templates use, each checked against the published resource
# type definitions (Azure/bicep-types-az); a typo'd or invented version fails here.
API_VERSIONS = {
    "Microsoft.Resources/resourceGroups": "2021-04-01",
    "Microsoft.ManagedIdentity/userAssignedIdentities": "2023-01-31",
    "Microsoft.Storage/storageAccounts": "2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices": "2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices/containers": "2023-05-01",
    "Microsoft.Storage/storageAccounts/tableServices": "2023-05-01",
    "Microsoft.Storage/storageAccounts/tableServices/tables": "2023-05-01",
    "Microsoft.Storage/storageAccounts/queueServices": "2023-05-01",
    "Microsoft.Storage/storageAccounts/queueServices/queues": "2023-05-01",
    "Microsoft.OperationalInsights/workspaces": "2023-09-01",
    "Microsoft.Insights/components": "2020-02-02",
    "Microsoft.Communication/emailServices": "2023-04-01",
    "Microsoft.Communication/emailServices/domains": "2023-04-01",
    "Microsoft.Communication/emailServices/domains/senderUsernames": "2023-04-01",
    "Microsoft.Communication/communicationServices": "2023-04-01",
    "Microsoft.Authorization/roleAssignments": "2022-04-01",
    "Microsoft.Web/serverfarms": "2024-04-01",
    "Microsoft.Web/sites": "2024-04-01",
    "Microsoft.Web/sites/config": "2024-04-01",
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies": "2024-04-01",
}


def test_every_bicep_file_parses_and_uses_no_registry_module() -> None:
    files = bicep.all_bicep_files()
    assert {f.name for f in files} >= {
        "main.bicep",
        "identity.bicep",
        "storage.bicep",
        "monitoring.bicep",
        "email.bicep",
        "rbac.bicep",
        "function.bicep",
    }
    for path in files:
        template = bicep.parse(path)
        for name, mod in template.get("modules", {}).items():
            assert mod["type"] == "local", f"{path.name}: module {name} is not a local file"
        assert "br/public:" not in path.read_text(), path.name


def test_api_versions_are_known_to_exist() -> None:
    seen: dict[str, str] = {}
    for path in bicep.all_bicep_files():
        for resource in bicep.parse(path).get("resources", {}).values():
            seen[resource["type"]] = resource["api_version"]
            expected = API_VERSIONS.get(resource["type"])
            assert expected == resource["api_version"], (path.name, resource["type"])
    assert set(seen) == set(API_VERSIONS)


def test_main_is_subscription_scoped_and_creates_rg_env() -> None:
    template = main()
    assert template["globals"]["scope"]["value"] == "subscription"
    rg = the_resource(template, "Microsoft.Resources/resourceGroups")
    assert rg["config"]["name"] == "rg-${environmentName}"
    for name in ("identity", "storage", "monitoring", "email", "rbac", "api"):
        mod = template["modules"][name]
        assert mod["config"]["scope"] == "rg"
        assert mod["detail"]["path"].startswith("app/")
    # The host must not start before its identity holds its roles.
    assert template["modules"]["api"]["config"]["dependsOn"] == ["rbac"]


def test_main_outputs_what_azd_and_people_need() -> None:
    outputs = main()["outputs"]
    for name in (
        "AZURE_LOCATION",
        "AZURE_TENANT_ID",
        "AZURE_RESOURCE_GROUP",
        "AZURE_FUNCTION_APP_NAME",
        "SERVICE_API_NAME",
        "SERVICE_API_URI",
        "API_BASE_URL",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID",
        "ACS_ENDPOINT",
        "EMAIL_SENDER_ADDRESS",
    ):
        assert name in outputs, name
    assert outputs["API_BASE_URL"]["value"] == "${api.outputs.uri}/api"


def test_parameters_secret_generated_and_choices_bounded() -> None:
    params = main()["parameters"]
    cursor = decorators(params["cursorSecret"])
    assert "secure" in cursor
    assert cursor["min_length"] >= 32  # shared/config.py refuses shorter secrets
    assert params["cursorSecret"]["default"] is None  # never a literal in the template
    assert cursor["metadata"]["azd"]["type"] == "generate"
    assert cursor["metadata"]["azd"]["config"]["length"] >= 32
    assert decorators(params["instanceMemoryMB"])["allowed"] == [2048, 4096]
    assert decorators(params["emailLanguage"])["allowed"] == ["en", "ko"]
    assert decorators(params["maximumInstanceCount"])["max_value"] == 1000
    assert decorators(params["authAudience"])["min_length"] == 1
    assert params["authAllowedTenants"]["default"] == ""
    assert decorators(params["location"])["metadata"]["azd"]["type"] == "location"


def test_parameter_defaults_match_the_app_defaults() -> None:
    params = main()["parameters"]
    defaults = Settings()
    assert params["retentionPeriod"]["default"] == "P30D"
    assert defaults.retention_period.days == 30
    assert params["retentionSchedule"]["default"] == SCHEDULE_DEFAULTS["RETENTION_SCHEDULE"]
    assert params["outboxRelaySchedule"]["default"] == SCHEDULE_DEFAULTS["OUTBOX_RELAY_SCHEDULE"]
    assert params["emailLanguage"]["default"] == defaults.email_language


def test_parameters_file_binds_every_required_parameter() -> None:
    bound = json.loads((bicep.INFRA / "main.parameters.json").read_text())["parameters"]
    params = main()["parameters"]
    assert set(bound) <= set(params)
    required = {n for n, p in params.items() if p["default"] is None and n != "cursorSecret"}
    assert required <= set(bound), required - set(bound)
    # Generated by azd and kept in its environment: never in a file.
    assert "cursorSecret" not in bound
    assert bound["authAudience"]["value"] == "${AUTH_AUDIENCE}"


def test_storage_is_entra_only_and_private() -> None:
    storage = module("storage")
    account = body(the_resource(storage, "Microsoft.Storage/storageAccounts"))
    props = account["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["supportsHttpsTrafficOnly"] is True
    assert props["defaultToOAuthAuthentication"] is True
    assert props["allowCrossTenantReplication"] is False
    container = body(
        the_resource(storage, "Microsoft.Storage/storageAccounts/blobServices/containers")
    )
    assert container["properties"]["publicAccess"] == "None"


def test_storage_has_the_tables_and_queues_the_app_uses() -> None:
    storage = module("storage")
    defaults = Settings()
    tables = the_resource(storage, "Microsoft.Storage/storageAccounts/tableServices/tables")
    assert tables["config"]["loop_type"]["detail"]["array_name"] == "tableNames"
    assert storage["parameters"]["tableNames"]["default"] == [
        defaults.table_name,
        defaults.tenants_table_name,
    ]
    queues = the_resource(storage, "Microsoft.Storage/storageAccounts/queueServices/queues")
    assert queues["config"]["loop_type"]["detail"]["array_name"] == "queueNames"
    assert storage["parameters"]["queueNames"]["default"] == [
        defaults.notifications_queue,
        f"{defaults.notifications_queue}-poison",
    ]
    assert ["licenserequests", "licensetenants"] == storage["parameters"]["tableNames"]["default"]
    assert storage["parameters"]["queueNames"]["default"] == [
        "license-notifications",
        "license-notifications-poison",
    ]


def test_application_insights_takes_entra_tokens_only() -> None:
    monitoring = module("monitoring")
    ai = body(the_resource(monitoring, "Microsoft.Insights/components"))["properties"]
    assert ai["DisableLocalAuth"] is True
    assert ai["IngestionMode"] == "LogAnalytics"
    assert ai["WorkspaceResourceId"]["operator"]["operands"]["operand_1"] == "logAnalytics"
    workspace = body(the_resource(monitoring, "Microsoft.OperationalInsights/workspaces"))
    assert workspace["properties"]["features"]["disableLocalAuth"] is True


def test_email_uses_an_azure_managed_domain_linked_to_acs() -> None:
    email = module("email")
    domain = body(the_resource(email, "Microsoft.Communication/emailServices/domains"))
    assert domain["name"] == "AzureManagedDomain"
    assert domain["parent"] == "emailService"
    assert domain["properties"]["domainManagement"] == "AzureManaged"
    sender = body(
        the_resource(email, "Microsoft.Communication/emailServices/domains/senderUsernames")
    )
    assert sender["parent"] == "managedDomain"
    assert sender["properties"]["username"] == "senderUsername"
    assert email["parameters"]["senderUsername"]["default"] == "DoNotReply"
    acs = body(the_resource(email, "Microsoft.Communication/communicationServices"))
    linked = acs["properties"]["linkedDomains"]
    assert linked[0]["operator"]["operands"]["operand_1"] == "managedDomain"
    outputs = email["outputs"]
    assert outputs["endpoint"]["value"] == "https://${communicationService.properties.hostName}"
    assert outputs["senderAddress"]["value"] == (
        "${sender.properties.username}@${managedDomain.properties.mailFromSenderDomain}"
    )


def _role_ids_by_scope() -> dict[str, set[str]]:
    rbac = module("rbac")
    variables = {k: v["value"] for k, v in rbac["variables"].items()}
    found: dict[str, set[str]] = {}
    for assignment in bicep.resources(rbac, "Microsoft.Authorization/roleAssignments"):
        config = assignment["config"]
        inner = body(assignment)
        role_ref = inner["properties"]["roleDefinitionId"]["function"]["parameters"]
        assert role_ref["resource_type"] == "Microsoft.Authorization/roleDefinitions"
        assert inner["properties"]["principalType"] == "ServicePrincipal"
        assert inner["properties"]["principalId"] == "principalId"
        if "loop_type" in config:
            names = variables[config["loop_type"]["detail"]["array_name"]]
            role_ids = {variables[n] for n in names}
        else:
            role_ids = {variables[role_ref["resource_name_1"]]}
        found.setdefault(inner["scope"], set()).update(role_ids)
    return found


def test_identity_gets_each_role_on_its_own_resource() -> None:
    by_scope = _role_ids_by_scope()
    assert by_scope == {
        "storage": {
            ROLE_IDS["Storage Blob Data Owner"],
            ROLE_IDS["Storage Queue Data Contributor"],
            ROLE_IDS["Storage Table Data Contributor"],
        },
        "applicationInsights": {ROLE_IDS["Monitoring Metrics Publisher"]},
        "communicationService": {ROLE_IDS["Communication and Email Service Owner"]},
    }
    rbac = module("rbac")
    existing = {r["type"]: name for name, r in rbac["resources"].items() if r["existing"]}
    assert existing == {
        "Microsoft.Storage/storageAccounts": "storage",
        "Microsoft.Insights/components": "applicationInsights",
        "Microsoft.Communication/communicationServices": "communicationService",
    }


def test_function_app_is_flex_consumption_python_311_with_identity_deployment() -> None:
    fn = module("function")
    plan = body(the_resource(fn, "Microsoft.Web/serverfarms"))
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True
    site = body(the_resource(fn, "Microsoft.Web/sites"))
    assert site["kind"] == "functionapp,linux"
    assert site["identity"]["type"] == "UserAssigned"
    assert site["tags"]["function"]["parameters"]["arg_2"] == {"'azd-service-name'": "api"}
    props = site["properties"]
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
    config = props["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    assert config["scaleAndConcurrency"] == {
        "instanceMemoryMB": "instanceMemoryMB",
        "maximumInstanceCount": "maximumInstanceCount",
    }
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["value"] == "${blobEndpoint}${deploymentContainerName}"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }
    for policy in bicep.resources(fn, "Microsoft.Web/sites/basicPublishingCredentialsPolicies"):
        assert body(policy)["properties"]["allow"] is False


def _app_settings() -> dict[str, object]:
    fn = module("function")
    config = body(the_resource(fn, "Microsoft.Web/sites/config"))
    assert config["name"] == "appsettings"
    assert config["parent"] == "functionApp"
    settings: dict[str, object] = config["properties"]
    return settings


def test_app_settings_are_identity_based_with_no_secret_but_the_cursor_key() -> None:
    settings = _app_settings()
    assert settings["AzureWebJobsStorage__accountName"] == "storageAccountName"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["AzureWebJobsStorage__blobServiceUri"] == "blobEndpoint"
    assert settings["AzureWebJobsStorage__queueServiceUri"] == "queueEndpoint"
    assert settings["AzureWebJobsStorage__tableServiceUri"] == "tableEndpoint"
    assert settings["ACS_ENDPOINT"] == "acsEndpoint"
    assert settings["EMAIL_SENDER"] == "acs"
    assert settings["EMAIL_SENDER_ADDRESS"] == "emailSenderAddress"
    assert settings["AUTH_MODE"] == "entra"
    assert settings["AUTH_AUDIENCE"] == "authAudience"
    assert settings["AUTH_ALLOWED_TENANTS"] == "authAllowedTenants"
    assert settings["CURSOR_SECRET"] == "cursorSecret"
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == (
        "applicationInsightsConnectionString"
    )
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "ClientId=${identityClientId};Authorization=AAD"
    )
    for name in (
        "RETENTION_PERIOD",
        "RETENTION_SCHEDULE",
        "OUTBOX_RELAY_SCHEDULE",
        "EMAIL_LANGUAGE",
    ):
        assert name in settings, name
    # Nothing key-based, and nothing Flex Consumption rejects.
    for forbidden in (
        "AzureWebJobsStorage",
        "ACS_CONNECTION_STRING",
        "DEV_JWT_SECRET",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
    ):
        assert forbidden not in settings, forbidden
    fn = module("function")
    assert "secure" in decorators(fn["parameters"]["cursorSecret"])


@pytest.mark.parametrize("path", bicep.all_bicep_files(), ids=lambda p: p.name)
def test_no_literal_secret_or_key_in_templates(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"(?i)accountkey=|listKeys\(|primaryConnectionString", text)
