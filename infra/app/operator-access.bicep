// Optional access for the person (or pipeline) operating the server: register clients and users with the admin
// commands against the deployed tables, and rotate the vault keys. Deployed only when a principal id is given.

@description('Principal (object) id of the operator, e.g. from `az ad signed-in-user show --query id -o tsv`.')
param principalId string

@description('Kind of principal: User for a person, ServicePrincipal for a pipeline, Group for a team.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

var roles = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  keyVaultCryptoOfficer: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603' // Key Vault Crypto Officer
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The admin commands (clients add, users add, ...) write to the tables as the signed-in operator.
resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: principalType
  }
}

// Key rotation (`az keyvault key rotate`) and key management; no access to secrets or certificates.
resource keyManagement 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultCryptoOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoOfficer)
    principalId: principalId
    principalType: principalType
  }
}
