// One storage account for the Functions host (deployment package, timers, queue
// triggers) and the app (tables, notification queue). Entra ID only: no account key,
// no SAS, nothing public.
param name string
param location string
param tags object = {}
param deploymentContainerName string

@description('Standard_LRS works in every region; prefer Standard_ZRS (or GZRS) where the region has availability zones.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Tables the app uses (Settings.table_name, Settings.tenants_table_name).')
param tableNames array = [
  'licenserequests'
  'licensetenants'
]

@description('The app\'s queues (Settings.notifications_queue, Settings.fulfilment_queue), each with the poison queue the host moves failed messages to.')
param queueNames array = [
  'license-notifications'
  'license-notifications-poison'
  'license-fulfilment'
  'license-fulfilment-poison'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // checkov:skip=CKV_AZURE_35: Flex Consumption without VNet integration reaches storage over its public endpoint, and a function app is not a trusted service for the firewall; access is Entra ID RBAC only (allowSharedKeyAccess false).
    // checkov:skip=CKV_AZURE_59: same reason: public network access stays on for the host; no anonymous or key-based access exists (custom check CKV_LR_1).
    // checkov:skip=CKV_AZURE_206: LRS is the default because it exists in every Flex Consumption region; set storageSkuName to Standard_ZRS/GZRS where zones exist.
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for tableName in tableNames: {
  parent: tableService
  name: tableName
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
