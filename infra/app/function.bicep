// The Flex Consumption plan and the Python Function App, configured for identity-based
// storage, Entra ID auth, ACS Email through the managed identity, Entra ID telemetry to
// Application Insights, and Microsoft Graph through a multi-tenant app registration whose
// credential is that same managed identity (graph.bicep).
param name string
param planName string
param location string
param tags object = {}

@description('Resource id of the user-assigned managed identity.')
param identityId string
@description('Client id of the user-assigned managed identity.')
param identityClientId string
@description('Principal (object) id of the user-assigned managed identity.')
param identityPrincipalId string

param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string
param acsEndpoint string
param emailSenderAddress string

param authAudience string
param authAllowedTenants string = ''
@secure()
param cursorSecret string
param emailLanguage string = 'en'
param retentionPeriod string = 'P30D'
param retentionSchedule string = '0 0 2 * * *'
param outboxRelaySchedule string = '0 * * * * *'
param catalogueSyncSchedule string = '0 0 * * * *'
param reminderSchedule string = '0 30 * * * *'
param reclaimSchedule string = '0 15 * * * *'
param reclaimNotice string = 'P7D'

@description('Microsoft Graph app registration: create (graph.bicep), existing (graphClientId; its federated credential is added by hand) or none (Microsoft 365 features off).')
@allowed([
  'create'
  'existing'
  'none'
])
param graphAppRegistration string = 'create'
@description('Client id of an existing multi-tenant registration (graphAppRegistration = existing).')
param graphClientId string = ''
@description('Graph uniqueName of the registration graph.bicep creates.')
param graphAppUniqueName string
@description('Display name of the registration graph.bicep creates (shown on the consent prompt).')
param graphAppDisplayName string = 'License Requests'
@description('Request GroupMember.ReadWrite.All too, for group-based licensing.')
param graphGroupLicensing bool = false

@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  // checkov:skip=CKV_AZURE_225: Flex Consumption zone redundancy exists only in some regions and adds always-ready cost; this scale-to-zero API runs in one region by design.
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the app carrying this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  // checkov:skip=CKV_AZURE_222: a public multi-tenant API: every route but /api/health requires an Entra ID bearer token the app validates itself.
  // checkov:skip=CKV_AZURE_17: callers authenticate with Entra ID bearer tokens, not client certificates.
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales from zero on demand; there is no fixed instance count to fail over between.
  // checkov:skip=CKV_AZURE_213: App Service health check is not supported on Flex Consumption, which manages its on-demand instances itself; GET /api/health serves external probes.
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// The app's public origin: the admin-consent callback and links it builds start here.
var publicBaseUrl = 'https://${functionApp.properties.defaultHostName}'
// Where Microsoft's admin-consent endpoint sends a customer tenant's admin back to.
var consentRedirectUri = '${publicBaseUrl}/api/setup/microsoft365/callback'
var createsGraphApp = graphAppRegistration == 'create'
var usesExistingGraphApp = graphAppRegistration == 'existing'

// The registration needs the site's host name (its redirect URI) and the app settings need
// the registration's client id, so it is created here, between the two.
module graphApp 'graph.bicep' = if (createsGraphApp) {
  name: 'graph-app'
  params: {
    uniqueName: graphAppUniqueName
    displayName: graphAppDisplayName
    consentRedirectUri: consentRedirectUri
    identityPrincipalId: identityPrincipalId
    groupLicensing: graphGroupLicensing
  }
}

// Empty (Microsoft 365 off) unless a registration is created or named.
var graphClientIdSetting = createsGraphApp ? graphApp.outputs.clientId : (usesExistingGraphApp ? graphClientId : '')

// checkov reads every Microsoft.Web/sites/config as the web config, so its web-config
// checks land on the app settings; each is answered below.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13: the app validates Entra ID tokens itself (audience, per-tenant v2 issuer, allowed tenants, wids roles); App Service Authentication would duplicate that check, not replace it.
  // checkov:skip=CKV_AZURE_222: a public multi-tenant API; see the site above.
  // checkov:skip=CKV_AZURE_80: a Python app, no .NET Framework.
  // checkov:skip=CKV_AZURE_88: Flex Consumption has no Azure Files content share; code is deployed to a blob container.
  parent: functionApp
  // checkov:skip=CKV_AZURE_63: logs and traces go to Application Insights through OpenTelemetry, not App Service HTTP logs.
  // checkov:skip=CKV_AZURE_65: no App Service detailed error pages; errors are RFC 9457 JSON problems and telemetry.
  // checkov:skip=CKV_AZURE_66: no App Service failed-request tracing on Flex Consumption; requests are traced in Application Insights.
  name: 'appsettings'
  properties: {
    // Host storage, identity-based: no connection string exists anywhere.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    // Read by shared/config.py: the app's tables and queue use the same identity.
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    AUTH_MODE: 'entra'
    AUTH_AUDIENCE: authAudience
    AUTH_ALLOWED_TENANTS: authAllowedTenants
    CURSOR_SECRET: cursorSecret
    EMAIL_SENDER: 'acs'
    ACS_ENDPOINT: acsEndpoint
    EMAIL_SENDER_ADDRESS: emailSenderAddress
    EMAIL_LANGUAGE: emailLanguage
    RETENTION_PERIOD: retentionPeriod
    RETENTION_SCHEDULE: retentionSchedule
    OUTBOX_RELAY_SCHEDULE: outboxRelaySchedule
    // Microsoft Graph: app-only tokens per customer tenant for the multi-tenant
    // registration, whose credential is this app's managed identity (the one named by
    // AzureWebJobsStorage__clientId): no secret or certificate anywhere.
    GRAPH_CLIENT_ID: graphClientIdSetting
    GRAPH_FEDERATED_CREDENTIAL: 'managed_identity'
    PUBLIC_BASE_URL: publicBaseUrl
    CATALOGUE_SYNC_SCHEDULE: catalogueSyncSchedule
    REMINDER_SCHEDULE: reminderSchedule
    RECLAIM_SCHEDULE: reclaimSchedule
    RECLAIM_NOTICE: reclaimNotice
    // Telemetry with the managed identity (Application Insights has local auth off).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // The Python worker exports its own OpenTelemetry logs (no duplicate host copies).
    PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
  }
}

// Deployments use Entra ID (azd), so basic-auth publishing stays off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output uri string = publicBaseUrl
output graphClientId string = graphClientIdSetting
output consentRedirectUri string = consentRedirectUri
