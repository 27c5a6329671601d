// Azure Communication Services Email with an Azure-managed domain and its DoNotReply
// sender. The app sends with Entra ID (ACS_ENDPOINT + managed identity), never a key.
param emailServiceName string
param communicationServiceName string
param dataLocation string = 'United States'
param senderUsername string = 'DoNotReply'
param senderDisplayName string = 'License Requests'
param tags object = {}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource sender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = {
  parent: managedDomain
  name: toLower(senderUsername)
  properties: {
    username: senderUsername
    displayName: senderDisplayName
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    // An Azure-managed domain is verified when created, so it can be linked at once.
    linkedDomains: [
      managedDomain.id
    ]
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = '${sender.properties.username}@${managedDomain.properties.mailFromSenderDomain}'
output domainName string = managedDomain.properties.mailFromSenderDomain
