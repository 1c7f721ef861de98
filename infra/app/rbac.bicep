// The app identity's role assignments, each at the narrowest scope that works:
// the storage account for data access, the one key the signing mode uses, the Application Insights resource.

@description('Name of the app identity; with the scope and role it makes the assignment names stable.')
param identityName string

@description('Principal (object) id of the app identity.')
param principalId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights resource.')
param applicationInsightsName string

@description('How tokens are signed: Local, KeyVault or KeyVaultWrapped. Decides which key the identity may use.')
@allowed([
  'Local'
  'KeyVault'
  'KeyVaultWrapped'
])
param signingMode string

@description('Name of the signing key (KeyVault mode).')
param signingKeyName string

@description('Name of the signing key of the other algorithm (KeyVault mode).')
param secondSigningKeyName string

@description('Name of the wrapping key (KeyVaultWrapped mode).')
param wrappingKeyName string

@description('Entra sign-in fallback: the Key Vault secret holding the client secret; empty: no secret, no secret access.')
param entraClientSecretName string

@description('DPoP nonces: the Key Vault secret holding the nonce key; empty: no secret access.')
param dpopNonceKeySecretName string

var roles = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424' // Key Vault Crypto User
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource signingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = {
  parent: vault
  name: signingKeyName
}

resource secondSigningKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = {
  parent: vault
  name: secondSigningKeyName
}

resource wrappingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = {
  parent: vault
  name: wrappingKeyName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// The OAuth tables: read, write and delete entities (and create a missing table).
resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityName, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions host (leases, host keys, timer state) and reading the deployment package need blob data access;
// Owner is what the Functions documentation names for identity-based AzureWebJobsStorage.
resource blobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityName, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The expiry purge's queue: the timer reads its length and sends, the queue trigger receives and deletes, and moves a
// message that keeps failing to a "-poison" queue it creates, so the role is at the account, not the one queue.
resource queueData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityName, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// KeyVault mode: get the public key and sign, on the two signing keys only.
resource signingKeyUse 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (signingMode == 'KeyVault') {
  name: guid(vault.id, signingKeyName, identityName, roles.keyVaultCryptoUser)
  scope: signingKey
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secondSigningKeyUse 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (signingMode == 'KeyVault') {
  name: guid(vault.id, secondSigningKeyName, identityName, roles.keyVaultCryptoUser)
  scope: secondSigningKey
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// KeyVaultWrapped mode: wrap and unwrap, on the wrapping key only.
resource wrappingKeyUse 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (signingMode == 'KeyVaultWrapped') {
  name: guid(vault.id, wrappingKeyName, identityName, roles.keyVaultCryptoUser)
  scope: wrappingKey
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry ingestion with an Entra token (Application Insights has local auth disabled).
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityName, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Only where the Entra sign-in uses a client secret from the vault (the fallback): reading that one secret.
resource entraSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = if (!empty(entraClientSecretName)) {
  parent: vault
  name: entraClientSecretName
}

resource entraSecretUse 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(entraClientSecretName)) {
  name: guid(vault.id, entraClientSecretName, identityName, roles.keyVaultSecretsUser)
  scope: entraSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Only where DPoP nonces are on: reading the one secret that holds the nonce key.
resource dpopNonceKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = if (!empty(dpopNonceKeySecretName)) {
  parent: vault
  name: dpopNonceKeySecretName
}

resource dpopNonceKeyUse 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(dpopNonceKeySecretName)) {
  name: guid(vault.id, dpopNonceKeySecretName, identityName, roles.keyVaultSecretsUser)
  scope: dpopNonceKey
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
