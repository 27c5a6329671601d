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
    # Microsoft Graph Bicep types (the extension bound in infra/bicepconfig.json).
    "Microsoft.Graph/applications": "v1.0",
    "Microsoft.Graph/applications/federatedIdentityCredentials": "v1.0",
}


def _accessor(value: object) -> list[str]:
    """`a.b.c` as pycep describes it (nested property accessors), as ["a", "b", "c"]."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, dict), value
    operands = value["operator"]["operands"]
    assert value["operator"]["type"] == "property_accessor", value
    return [operands["operand_1"], *_accessor(operands["operand_2"])]


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
        "graph.bicep",
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
            type_ = bicep.resource_type(resource)
            seen[type_] = resource["api_version"]
            assert API_VERSIONS.get(type_) == resource["api_version"], (path.name, type_)
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
        "AZURE_MANAGED_IDENTITY_PRINCIPAL_ID",
        "ACS_ENDPOINT",
        "EMAIL_SENDER_ADDRESS",
        "GRAPH_CLIENT_ID",
        "GRAPH_CONSENT_REDIRECT_URI",
    ):
        assert name in outputs, name
    assert outputs["API_BASE_URL"]["value"] == "${api.outputs.uri}/api"
    assert _accessor(outputs["GRAPH_CLIENT_ID"]["value"]) == ["api", "outputs", "graphClientId"]
    assert _accessor(outputs["AZURE_MANAGED_IDENTITY_PRINCIPAL_ID"]["value"]) == [
        "identity",
        "outputs",
        "principalId",
    ]


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
    assert decorators(params["graphAppRegistration"])["allowed"] == ["create", "existing", "none"]
    assert params["graphAppRegistration"]["default"] == "create"
    assert params["graphClientId"]["default"] == ""
    # Least privilege: group-based licensing (GroupMember.ReadWrite.All) is opt-in.
    assert params["graphGroupLicensing"]["type"] == "bool"
    assert params["graphGroupLicensing"]["default"] is False


@pytest.mark.parametrize("name", ["main", "function", "graph"])
def test_no_parameter_carries_a_secret_but_the_cursor_key(name: str) -> None:
    template = main() if name == "main" else module(name)
    for param, spec in template["parameters"].items():
        if param == "cursorSecret":
            continue
        assert "secure" not in decorators(spec), f"{name}: {param} is a secret"
        assert not re.search(r"(?i)secret|password|certificate|key$", param), f"{name}: {param}"


def test_parameter_defaults_match_the_app_defaults() -> None:
    params = main()["parameters"]
    defaults = Settings()
    assert params["retentionPeriod"]["default"] == "P30D"
    assert defaults.retention_period.days == 30
    assert params["retentionSchedule"]["default"] == SCHEDULE_DEFAULTS["RETENTION_SCHEDULE"]
    assert params["outboxRelaySchedule"]["default"] == SCHEDULE_DEFAULTS["OUTBOX_RELAY_SCHEDULE"]
    assert params["reminderSchedule"]["default"] == SCHEDULE_DEFAULTS["REMINDER_SCHEDULE"]
    assert params["reclaimSchedule"]["default"] == SCHEDULE_DEFAULTS["RECLAIM_SCHEDULE"]
    assert params["emailLanguage"]["default"] == defaults.email_language
    assert params["catalogueSyncSchedule"]["default"] == "0 0 * * * *"  # hourly
    app_default = SCHEDULE_DEFAULTS.get("CATALOGUE_SYNC_SCHEDULE")
    assert app_default in (None, params["catalogueSyncSchedule"]["default"])


def test_parameters_file_binds_every_required_parameter() -> None:
    bound = json.loads((bicep.INFRA / "main.parameters.json").read_text())["parameters"]
    params = main()["parameters"]
    assert set(bound) <= set(params)
    required = {n for n, p in params.items() if p["default"] is None and n != "cursorSecret"}
    assert required <= set(bound), required - set(bound)
    # Generated by azd and kept in its environment: never in a file.
    assert "cursorSecret" not in bound
    assert bound["authAudience"]["value"] == "${AUTH_AUDIENCE}"
    assert bound["catalogueSyncSchedule"]["value"] == "${CATALOGUE_SYNC_SCHEDULE=0 0 * * * *}"
    assert bound["graphAppRegistration"]["value"] == "${GRAPH_APP_REGISTRATION=create}"
    assert bound["graphClientId"]["value"] == "${GRAPH_CLIENT_ID}"
    assert bound["graphGroupLicensing"]["value"] == "${GRAPH_GROUP_LICENSING=false}"


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
    # Every queue the app names in Settings, each with the host's poison queue.
    app_queues = [
        getattr(defaults, field)
        for field in Settings.__dataclass_fields__
        if field.endswith("_queue")
    ]
    assert storage["parameters"]["queueNames"]["default"] == [
        name for queue in app_queues for name in (queue, f"{queue}-poison")
    ]
    assert ["licenserequests", "licensetenants"] == storage["parameters"]["tableNames"]["default"]
    assert storage["parameters"]["queueNames"]["default"][:2] == [
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
        "REMINDER_SCHEDULE",
        "RECLAIM_SCHEDULE",
        "RECLAIM_NOTICE",
        "EMAIL_LANGUAGE",
    ):
        assert name in settings, name
    # Microsoft Graph: the registration's client id, the managed identity as its
    # credential, the public origin of the consent callback, the catalogue sync timer.
    assert settings["GRAPH_CLIENT_ID"] == "graphClientIdSetting"
    assert settings["GRAPH_FEDERATED_CREDENTIAL"] == "managed_identity"
    assert settings["PUBLIC_BASE_URL"] == "publicBaseUrl"
    assert settings["CATALOGUE_SYNC_SCHEDULE"] == "catalogueSyncSchedule"
    # Nothing key-based, and nothing Flex Consumption rejects.
    for forbidden in (
        "AzureWebJobsStorage",
        "ACS_CONNECTION_STRING",
        "DEV_JWT_SECRET",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        # Graph needs no secret or certificate: the federated credential replaces them.
        "GRAPH_CLIENT_SECRET",
        "GRAPH_CLIENT_CERTIFICATE_PATH",
        "GRAPH_CLIENT_CERTIFICATE_PASSWORD",
        # The real Graph and authority are the app's defaults (others are for the emulator).
        "GRAPH_BASE_URL",
        "GRAPH_AUTHORITY_HOST",
        "GRAPH_CA_BUNDLE",
    ):
        assert forbidden not in settings, forbidden
    fn = module("function")
    assert "secure" in decorators(fn["parameters"]["cursorSecret"])


@pytest.mark.parametrize("path", bicep.all_bicep_files(), ids=lambda p: p.name)
def test_no_literal_secret_or_key_in_templates(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"(?i)accountkey=|listKeys\(|primaryConnectionString", text)


# Microsoft Graph: the multi-tenant registration (app/graph.bicep), created from
# function.bicep so its redirect URI is the site's host and its client id an app setting.

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Microsoft Graph application permissions (app role ids, the same in every tenant).
GRAPH_APP_ROLES = {
    "LicenseAssignment.ReadWrite.All": "5facf0c1-8979-4e95-abcf-ff3d079771c0",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
    "GroupMember.ReadWrite.All": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
}
# Broader permissions that would also "work" and must never be requested.
BROADER_GRAPH_APP_ROLES = {
    "Directory.ReadWrite.All": "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
    "Group.ReadWrite.All": "62a82d76-70ea-41e2-9197-370581804d09",
    "Group.Read.All": "5b567255-7703-4780-807c-7be8301ae99b",
    "Application.ReadWrite.All": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
    "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
    "AppRoleAssignment.ReadWrite.All": "06b708a9-e830-4db3-a914-8e69da51d44f",
    "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
}
GRAPH_BICEP_TYPES = "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0"


def _graph_variables() -> dict[str, object]:
    return {name: v["value"] for name, v in module("graph")["variables"].items()}


def _app_role_ids() -> tuple[set[str], set[str]]:
    """(always requested, requested only with groupLicensing) app role ids of graph.bicep."""
    variables = _graph_variables()
    roles = variables["graphAppRoles"]
    assert isinstance(roles, dict)
    function = roles["function"]
    assert function["type"] == "concat"
    always, optional = function["parameters"]["arg_1"], function["parameters"]["arg_2"]
    conditional = optional["operator"]
    assert conditional["type"] == "conditional"
    assert conditional["operands"]["condition"] == "groupLicensing"
    assert conditional["operands"]["false_value"] == []
    always_ids = {str(variables[name]) for name in always}
    only_with_groups = {str(variables[name]) for name in conditional["operands"]["true_value"]}
    return always_ids, only_with_groups


def test_the_graph_extension_is_the_ga_release_and_only_graph_bicep_uses_it() -> None:
    config = json.loads((bicep.INFRA / "bicepconfig.json").read_text())
    assert config["extensions"] == {"microsoftGraphV1": GRAPH_BICEP_TYPES}
    assert "experimentalFeaturesEnabled" not in config  # GA: no preview switch
    users = {p.name: bicep.extensions(p) for p in bicep.all_bicep_files() if bicep.extensions(p)}
    assert users == {"graph.bicep": ["microsoftGraphV1"]}
    # checkov's parser predates `extension`: it skips exactly that file (and these tests
    # check it instead); nothing else may hide behind the skip.
    checkov_config = (bicep.INFRA / ".checkov.yaml").read_text()
    skips = re.findall(r"^\s+-\s+'([^']+)'\s*$", checkov_config, re.MULTILINE)
    assert skips == [r"graph\.bicep$"]
    assert [p.name for p in bicep.all_bicep_files() if re.search(skips[0], str(p))] == [
        "graph.bicep"
    ]


def test_graph_app_is_multi_tenant_with_the_consent_callback_as_redirect() -> None:
    graph = module("graph")
    app = body(the_resource(graph, "Microsoft.Graph/applications"))
    assert app["signInAudience"] == "AzureADMultipleOrgs"
    assert app["uniqueName"] == "uniqueName"  # re-provisions update, never duplicate
    assert app["web"] == {"redirectUris": ["consentRedirectUri"]}
    # No secret or certificate on the registration: the federated credential is its only one.
    for credential in ("passwordCredentials", "keyCredentials"):
        assert credential not in app
    # Nothing is granted or created in the home tenant: customer admins consent.
    assert {bicep.resource_type(r) for r in graph["resources"].values()} == {
        "Microsoft.Graph/applications",
        "Microsoft.Graph/applications/federatedIdentityCredentials",
    }
    assert graph["outputs"]["clientId"]["value"]["operator"]["operands"] == {
        "operand_1": "graphApp",
        "operand_2": "appId",
    }


def test_graph_app_requests_the_three_application_permissions_and_nothing_broader() -> None:
    graph = module("graph")
    app = body(the_resource(graph, "Microsoft.Graph/applications"))
    [access] = app["requiredResourceAccess"]
    assert _graph_variables()[access["resourceAppId"]] == MICROSOFT_GRAPH_APP_ID
    loop = access["resourceAccess"]
    assert loop["loop_type"]["detail"] == {"item_name": "appRole", "array_name": "graphAppRoles"}
    # Application permissions only (Role), no delegated scope.
    assert loop["config"] == {"id": "appRole", "type": "Role"}
    always, only_with_groups = _app_role_ids()
    assert always == {
        GRAPH_APP_ROLES["LicenseAssignment.ReadWrite.All"],
        GRAPH_APP_ROLES["User.Read.All"],
    }
    assert only_with_groups == {GRAPH_APP_ROLES["GroupMember.ReadWrite.All"]}
    assert graph["parameters"]["groupLicensing"]["default"] is False
    text = (bicep.MODULES / "graph.bicep").read_text().lower()
    for name, role_id in BROADER_GRAPH_APP_ROLES.items():
        assert role_id not in text, name
        assert name.lower() not in text, name


def test_federated_credential_trusts_the_function_apps_managed_identity() -> None:
    graph = module("graph")
    fic = body(the_resource(graph, "Microsoft.Graph/applications/federatedIdentityCredentials"))
    variables = _graph_variables()
    assert fic["name"] == "${graphApp.uniqueName}/function-app-identity"
    # Issuer: the home tenant's v2.0 authority (https://login.microsoftonline.com/{tid}/v2.0).
    assert variables[fic["issuer"]] == (
        "${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0"
    )
    # Subject: the identity's principal (object) id. Audience: Entra ID token exchange.
    assert fic["subject"] == "identityPrincipalId"
    assert [variables[a] for a in fic["audiences"]] == ["api://AzureADTokenExchange"]

    # function.bicep creates it for the identity the site runs as ...
    fn = module("function")
    graph_module = fn["modules"]["graphApp"]
    assert graph_module["detail"]["path"] == "graph.bicep"
    assert graph_module["config"]["condition"] == "createsGraphApp"
    params = graph_module["config"]["config"]["params"]
    assert params == {
        "uniqueName": "graphAppUniqueName",
        "displayName": "graphAppDisplayName",
        "consentRedirectUri": "consentRedirectUri",
        "identityPrincipalId": "identityPrincipalId",
        "groupLicensing": "graphGroupLicensing",
    }
    site = body(the_resource(fn, "Microsoft.Web/sites"))
    assert list(site["identity"]["userAssignedIdentities"]) == ["'${identityId}'"]

    # ... and main.bicep passes one identity for all three: the site's identity, the
    # client id the app authenticates with (AzureWebJobsStorage__clientId) and the subject.
    api = main()["modules"]["api"]["config"]["params"]
    assert _accessor(api["identityId"]) == ["identity", "outputs", "id"]
    assert _accessor(api["identityClientId"]) == ["identity", "outputs", "clientId"]
    assert _accessor(api["identityPrincipalId"]) == ["identity", "outputs", "principalId"]
    assert _app_settings()["AzureWebJobsStorage__clientId"] == "identityClientId"


def test_graph_settings_come_from_the_registration_and_the_sites_host() -> None:
    fn = module("function")
    variables = {name: v["value"] for name, v in fn["variables"].items()}
    assert variables["publicBaseUrl"] == "https://${functionApp.properties.defaultHostName}"
    assert variables["consentRedirectUri"] == "${publicBaseUrl}/api/setup/microsoft365/callback"
    assert fn["outputs"]["uri"]["value"] == "publicBaseUrl"
    # GRAPH_CLIENT_ID: the created registration, the named one, or empty (Microsoft 365 off).
    choice = variables["graphClientIdSetting"]["operator"]
    assert choice["type"] == "conditional"
    assert choice["operands"]["condition"] == "createsGraphApp"
    assert _accessor(choice["operands"]["true_value"]) == ["graphApp", "outputs", "clientId"]
    otherwise = choice["operands"]["false_value"]["operator"]["operands"]
    assert otherwise == {
        "condition": "usesExistingGraphApp",
        "true_value": "graphClientId",
        "false_value": "",
    }
    for name, mode in (("createsGraphApp", "create"), ("usesExistingGraphApp", "existing")):
        assert variables[name]["operator"]["operands"] == {
            "operand_1": "graphAppRegistration",
            "operand_2": mode,
        }
    assert decorators(fn["parameters"]["graphAppRegistration"])["allowed"] == [
        "create",
        "existing",
        "none",
    ]
    # main.bicep names the registration after the environment's resource token.
    api = main()["modules"]["api"]["config"]["params"]
    assert api["graphAppUniqueName"] == "license-requests-${resourceToken}"
    for param in ("graphAppRegistration", "graphClientId", "graphGroupLicensing"):
        assert api[param] == param
    assert api["catalogueSyncSchedule"] == "catalogueSyncSchedule"


@pytest.mark.parametrize("path", bicep.all_bicep_files(), ids=lambda p: p.name)
def test_no_app_secret_or_certificate_in_templates(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"(?i)passwordCredentials|keyCredentials|addPassword", text)
