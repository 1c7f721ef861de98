// The function app on the Flex Consumption plan: .NET 10 isolated worker, run from a package in blob storage read
// with the user-assigned identity, HTTPS only, TLS 1.2, no FTP and no basic (publishing profile) credentials.
// Every setting that reaches a resource names the endpoint and the identity; none carries a key.

@description('Name of the function app (also the first label of its default host name).')
param name string

@description('Azure region of the app.')
param location string

@description('Tags applied to the app; azd finds the app to deploy by the azd-service-name tag.')
param tags object

@description('Resource id of the Flex Consumption plan.')
param planId string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity (for DefaultAzureCredential and the Functions host).')
param identityClientId string

@description('Name of the storage account holding the host state, the deployment package and the tables.')
param storageAccountName string

@description('Blob container of the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights resource the app reports to.')
param applicationInsightsName string

@description('URI of the Key Vault (e.g. https://name.vault.azure.net/).')
param keyVaultUri string

@description('How tokens are signed: Local, KeyVault or KeyVaultWrapped.')
@allowed([
  'Local'
  'KeyVault'
  'KeyVaultWrapped'
])
param signingMode string

@description('JWS algorithm of access tokens: ES256 or RS256.')
@allowed([
  'ES256'
  'RS256'
])
param signingAlgorithm string

@description('Name of the signing key in the vault (KeyVault mode).')
param signingKeyName string

@description('Name of the signing key of the other algorithm in the vault (KeyVault mode).')
param secondSigningKeyName string

@description('Name of the wrapping key in the vault (KeyVaultWrapped mode).')
param wrappingKeyName string

@description('Prefix of the OAuth table names.')
param tablePrefix string

@description('NCRONTAB schedule of the expiry purge timer.')
param purgeSchedule string

@description('The queue in AzureWebJobsStorage that the purge timer fills and the queue trigger empties.')
param purgeQueueName string

@description('Whether every client must push its authorization requests to /par first (RFC 9126).')
param requirePushedAuthorizationRequests bool

@description('Table endpoints of the storage accounts for grant families beyond the main one (at most 4), in the order they were added.')
@maxLength(4)
param grantTableEndpoints array = []

@description('Entra sign-in: the app registration\'s client id; empty leaves the provider off.')
param entraClientId string

@description('Entra sign-in: the tenant id, or organizations.')
param entraTenant string

@description('Entra sign-in with organizations: the allowed tenant ids.')
param entraAllowedTenants array

@description('Entra sign-in fallback: a Key Vault secret holding a client secret; empty uses the managed identity as a federated credential.')
param entraClientSecretName string

@description('DPoP: require a server nonce in every proof (needs dpopNonceKeySecretName).')
param dpopRequireNonce bool

@description('DPoP nonces: a Key Vault secret holding the key every instance shares; empty: none.')
param dpopNonceKeySecretName string

@description('Name of the Key Vault (for Key Vault references in app settings).')
param keyVaultName string

@description('Memory of each instance in MB. 512 MB is the cheapest per GB-s and ample for this server.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances (Flex Consumption minimum 40); also bounds the cost of a spike. Each instance takes cores of the regional quota (250 by default), which can cap the scale-out before this does.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    // Key Vault references in app settings (the Entra client secret, when one is used) resolve with this identity.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
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
      // On Flex Consumption the worker runtime lives here, not in FUNCTIONS_WORKER_RUNTIME.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }
}

// The app settings. Nothing here is a secret: endpoints, names and the identity's client id.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Functions host storage through the identity (no connection string).
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AZURE_FUNCTIONS_ENVIRONMENT: 'Production'
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // The issuer is the app's own default host name (which may carry a unique suffix), hence read, not built.
    OAuth__Issuer: 'https://${app.properties.defaultHostName}'
    OAuth__Storage__TableServiceUri: storage.properties.primaryEndpoints.table
    OAuth__Storage__TablePrefix: tablePrefix
    OAuth__Signing__Mode: signingMode
    OAuth__Signing__Algorithm: signingAlgorithm
    // Set in every mode so that a mode switch is one setting; the app reads only the one its mode needs.
    OAuth__Signing__KeyVaultUri: keyVaultUri
    OAuth__Signing__KeyName: signingKeyName
    OAuth__Signing__SecondKeyName: secondSigningKeyName
    OAuth__Signing__WrappingKeyName: wrappingKeyName
    OAuth__Signing__ManagedIdentityClientId: identityClientId
    // Demo data is seeded only in Development, and never wanted in Azure.
    OAuth__SeedDemoData: 'false'
    PurgeSchedule: purgeSchedule
    PurgeQueueName: purgeQueueName
    // docs/pushed-authorization.md: true refuses every plain /authorize request.
    OAuth__PushedAuthorization__Required: string(requirePushedAuthorizationRequests)
    // The grant accounts, in the order they were added; an empty slot is none (the app ignores blank entries).
    OAuth__Storage__GrantAccounts__0: length(grantTableEndpoints) > 0 ? grantTableEndpoints[0] : ''
    OAuth__Storage__GrantAccounts__1: length(grantTableEndpoints) > 1 ? grantTableEndpoints[1] : ''
    OAuth__Storage__GrantAccounts__2: length(grantTableEndpoints) > 2 ? grantTableEndpoints[2] : ''
    OAuth__Storage__GrantAccounts__3: length(grantTableEndpoints) > 3 ? grantTableEndpoints[3] : ''
    // Sign-in with Entra ID (docs/upstream-sign-in.md): off while the client id is empty. Without a secret, the
    // identity's token for api://AzureADTokenExchange is the client assertion (a federated identity credential of the
    // app registration); with one, a Key Vault reference, so the secret is never an app setting's value.
    OAuth__Upstream__Providers__entra__Kind: 'Entra'
    OAuth__Upstream__Providers__entra__DisplayName: 'Microsoft Entra ID'
    OAuth__Upstream__Providers__entra__Tenant: entraTenant
    OAuth__Upstream__Providers__entra__AllowedTenants__0: join(entraAllowedTenants, ',')
    OAuth__Upstream__Providers__entra__ClientId: entraClientId
    OAuth__Upstream__Providers__entra__ManagedIdentityClientId: empty(entraClientSecretName) ? identityClientId : ''
    OAuth__Upstream__Providers__entra__ClientSecret: empty(entraClientSecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${entraClientSecretName})'
    // DPoP nonces (docs/dpop.md): an HMAC of the time step under a key every instance reads from the same secret, so
    // any instance accepts a nonce another issued; a Key Vault reference, never the key itself.
    OAuth__Dpop__RequireNonce: string(dpopRequireNonce)
    OAuth__Dpop__NonceKey: empty(dpopNonceKeySecretName) ? '' : '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${dpopNonceKeySecretName})'
  }
}

// Basic (publishing profile) credentials off for FTP and for the SCM/Kudu site: deployment uses Entra ID only.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
