// The storage account: the Functions host's own storage (AzureWebJobsStorage: timer leases and host state), the
// deployment package container of the Flex Consumption app, and the OAuth tables. Shared keys are disabled, so every
// client (the app, the deploying tool, an operator) authenticates with Microsoft Entra ID.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags object

@description('Blob container that holds the function app deployment package (Flex Consumption).')
param deploymentContainerName string

@description('Prefix of the OAuth table names; must match OAuth__Storage__TablePrefix.')
param tablePrefix string

@description('The tables the server uses, without the prefix.')
param tableNames array

@description('The queue the expiry purge spreads its work over (PurgeQueueName).')
param purgeQueueName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    // No account keys and no SAS signed with them: Entra ID only.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // The Flex Consumption app is not in a virtual network here; access is governed by RBAC.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// The blob service: the host's leases and the deployment package live here.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// Where `azd deploy` / `func azure functionapp publish` upload the app package, read by the app with its identity.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The table service: clients, users, grants, revocations, expiry index, wrapped signing keys, lockouts, APIs,
// sign-in sessions, consents, used one-time ids (client assertions' jti).
resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// One table per store. The app also creates missing tables at first use; creating them here means the identity
// never needs more than data access and an operator can register clients before the first request.
resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tableNames: {
    parent: tableService
    name: '${tablePrefix}${table}'
  }
]

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output tableEndpoint string = account.properties.primaryEndpoints.table

// The queue service: the expiry purge's timer queues one message per due bucket here, and its queue trigger, which
// the platform scales out, purges each (the trigger creates the "-poison" queue beside it when it needs one).
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource purgeQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: purgeQueueName
}
