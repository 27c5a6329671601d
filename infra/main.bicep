// License Requests on Azure: `azd up` provisions everything the app needs, with no
// stored secret other than CURSOR_SECRET: storage, telemetry and email all use the
// app's user-assigned managed identity, and so does Microsoft Graph (the identity is the
// federated credential of the multi-tenant app registration, app/graph.bicep).
//
// Subscription scope (the azd convention): creates rg-<environment> and deploys the
// modules under app/ into it.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group (rg-<name>) and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every regional resource. Pick one where Flex Consumption is offered.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@minLength(1)
@description('AUTH_AUDIENCE: the API app registration, as "api://<client-id>,<client-id>" (v2 access tokens carry the bare client id in aud).')
param authAudience string

@description('AUTH_ALLOWED_TENANTS: comma-separated Entra tenant ids allowed to call the API; empty allows every tenant.')
param authAllowedTenants string = ''

@secure()
@minLength(32)
@description('CURSOR_SECRET: signs paging cursors. azd generates it once and keeps it in the environment, so cursors survive a re-provision.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 48
      noSpecial: true
    }
  }
})
param cursorSecret string

@allowed([
  'en'
  'ko'
])
@description('EMAIL_LANGUAGE: the language of every email.')
param emailLanguage string = 'en'

@description('RETENTION_PERIOD: ISO 8601 duration requests are kept (days, hours, minutes or seconds).')
param retentionPeriod string = 'P30D'

@description('RETENTION_SCHEDULE: six-field NCRONTAB (UTC) of the retention sweep.')
param retentionSchedule string = '0 0 2 * * *'

@description('OUTBOX_RELAY_SCHEDULE: six-field NCRONTAB (UTC) of the outbox relay.')
param outboxRelaySchedule string = '0 * * * * *'

@description('CATALOGUE_SYNC_SCHEDULE: six-field NCRONTAB (UTC) of the Microsoft 365 catalogue sync.')
param catalogueSyncSchedule string = '0 0 * * * *'

@description('REMINDER_SCHEDULE: six-field NCRONTAB (UTC) of the reminder digests (at most one a day per tenant, whatever the schedule).')
param reminderSchedule string = '0 30 * * * *'

@description('RECLAIM_SCHEDULE: six-field NCRONTAB (UTC) of the timer that warns holders of time-limited licenses and reclaims them.')
param reclaimSchedule string = '0 15 * * * *'

@description('RECLAIM_NOTICE: ISO 8601 duration; how long before a time-limited license ends its holder is emailed.')
param reclaimNotice string = 'P7D'

@allowed([
  'create'
  'existing'
  'none'
])
@description('Microsoft Graph app registration: create (azd creates the multi-tenant registration and its federated credential), existing (use graphClientId and add its federated credential by hand) or none (Microsoft 365 features off, manual products only).')
param graphAppRegistration string = 'create'

@description('GRAPH_CLIENT_ID of an existing multi-tenant registration; used only with graphAppRegistration = existing.')
param graphClientId string = ''

@description('Display name of the created registration: customer admins see it on the consent prompt.')
param graphAppDisplayName string = 'License Requests'

@description('Also request GroupMember.ReadWrite.All, for group-based licensing (off: least privilege). Tenants that consented before must consent again.')
param graphGroupLicensing bool = false

@allowed([
  2048
  4096
])
@description('Flex Consumption instance memory (MB).')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Flex Consumption maximum instance count (scale-out limit).')
param maximumInstanceCount int = 100

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('Storage redundancy: Standard_LRS exists in every region; choose Standard_ZRS (or GZRS) where the region has availability zones.')
param storageSkuName string = 'Standard_LRS'

@description('Where Communication Services and the Email Service keep data at rest (e.g. United States, Europe, UK, Korea).')
param acsDataLocation string = 'United States'

@description('Display name of the DoNotReply sender.')
param emailSenderDisplayName string = 'License Requests'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: 'app-package-${resourceToken}'
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    emailServiceName: 'ecs-${resourceToken}'
    communicationServiceName: 'acs-${resourceToken}'
    dataLocation: acsDataLocation
    senderDisplayName: emailSenderDisplayName
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: email.outputs.communicationServiceName
  }
}

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  // The host starts as soon as the app exists: its identity must already hold its roles.
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    acsEndpoint: email.outputs.endpoint
    emailSenderAddress: email.outputs.senderAddress
    authAudience: authAudience
    authAllowedTenants: authAllowedTenants
    cursorSecret: cursorSecret
    emailLanguage: emailLanguage
    retentionPeriod: retentionPeriod
    retentionSchedule: retentionSchedule
    outboxRelaySchedule: outboxRelaySchedule
    catalogueSyncSchedule: catalogueSyncSchedule
    reminderSchedule: reminderSchedule
    reclaimSchedule: reclaimSchedule
    reclaimNotice: reclaimNotice
    graphAppRegistration: graphAppRegistration
    graphClientId: graphClientId
    graphAppUniqueName: 'license-requests-${resourceToken}'
    graphAppDisplayName: graphAppDisplayName
    graphGroupLicensing: graphGroupLicensing
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

// azd stores every output in the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output API_BASE_URL string = '${api.outputs.uri}/api'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
// Microsoft Graph: the registration customer tenants consent to, and its consent callback.
output GRAPH_CLIENT_ID string = api.outputs.graphClientId
output GRAPH_CONSENT_REDIRECT_URI string = api.outputs.consentRedirectUri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output ACS_ENDPOINT string = email.outputs.endpoint
output EMAIL_SENDER_ADDRESS string = email.outputs.senderAddress
