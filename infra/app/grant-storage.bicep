// One more storage account for grant families (OAuth__Storage__GrantAccounts): the grants, revocations and expiry
// tables only, with the same security settings and the same table role for the app identity as the main account.
// Families spread over the main account and these by a hash of their id, recorded in the id (docs/scale.md).

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags object

@description('Prefix of the OAuth table names; the same as the main account\'s.')
param tablePrefix string

@description('Name of the app identity; with the scope and role it makes the assignment name stable.')
param identityName string

@description('Principal (object) id of the app identity.')
param principalId string

var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor

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
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in ['grants', 'revocations', 'expiry']: {
    parent: tableService
    name: '${tablePrefix}${table}'
  }
]

// The grant tables: read, write and delete entities (and create a missing table).
resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityName, storageTableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output tableEndpoint string = account.properties.primaryEndpoints.table
