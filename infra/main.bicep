// The serverless OAuth 2.0 authorization server: a Flex Consumption function app with a user-assigned identity,
// Table Storage for its state, Key Vault for its signing key and Application Insights for telemetry. No secrets:
// every connection is made with the identity, and no key or connection string with a key appears anywhere.
// Deploy with `azd up`, or `az deployment sub create` with main.bicepparam (see docs/deploy.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (e.g. oauth-prod); seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; empty for rg-{environmentName}.')
param resourceGroupName string = ''

@description('Object id of an operator (e.g. the deploying user) to grant table access for the admin commands and key rotation on the vault; empty for none.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// Local keeps the signing key in a file on the instance: every Flex Consumption instance would make its own key and
// the keys vanish when instances are recycled, so tokens fail to verify. Allowed for experiments only; use KeyVault
// or KeyVaultWrapped for anything real.
@description('How access tokens are signed: KeyVault (each token signed by a vault key), KeyVaultWrapped (server-generated keys wrapped by a vault key, kept in Table Storage), or Local (NOT for production: per-instance key file).')
@allowed([
  'KeyVault'
  'KeyVaultWrapped'
  'Local'
])
param signingMode string = 'KeyVault'

@description('JWS algorithm of access tokens: ES256 (EC P-256 key) or RS256 (RSA 2048 key).')
@allowed([
  'ES256'
  'RS256'
])
param signingAlgorithm string = 'ES256'

@description('Prefix of the OAuth table names (letters and digits).')
@minLength(1)
@maxLength(20)
param tablePrefix string = 'oauth'

@description('Memory of each function app instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 512

@description('Upper bound on instances (Flex Consumption minimum 40); also bounds the cost of a spike. Each instance takes cores of the regional quota (250 by default), which can cap the scale-out before this does.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Days a deleted vault or key stays recoverable (7-90). Purge protection keeps the vault name reserved this long after deletion.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('NCRONTAB schedule of the expiry purge timer.')
param purgeSchedule string = '0 */5 * * * *'

// The queue the purge timer spreads due buckets over, in the host's own storage (docs/scale.md, "The purge").
var purgeQueueName = 'expiry-purge'

@description('Whether every client must push its authorization requests to /par first (RFC 9126 require_pushed_authorization_requests); false leaves it to each client\'s registration.')
param requirePushedAuthorizationRequests bool = false

@description('More storage accounts for grant families (codes, refresh tokens, revocations), beyond the main one: each adds about the main account\'s grant throughput (docs/scale.md). Raise it later freely (existing families stay where they are); never lower it.')
@minValue(0)
@maxValue(4)
param grantStorageAccountCount int = 0

@description('E-mail address notified when an alert fires (refresh token reuse, server errors, Key Vault throttling); empty for none.')
param alertEmail string = ''

@description('Sign-in with Microsoft Entra ID (docs/upstream-sign-in.md): the app registration\'s Application (client) ID. Empty leaves Entra sign-in off.')
param entraClientId string = ''

@description('Entra sign-in: the directory (tenant) id, or organizations for any organisation (limited by entraAllowedTenants).')
param entraTenant string = 'organizations'

@description('Entra sign-in with organizations: the tenant ids whose users may sign in (empty: every organisation).')
param entraAllowedTenants array = []

@description('Entra sign-in fallback: the name of a secret in this deployment\'s Key Vault holding a client secret. Empty (recommended): the Function App\'s managed identity is a federated credential of the app registration, and there is no secret.')
param entraClientSecretName string = ''

@description('Entra sign-in without a secret: the resource id of a user-assigned identity that owns the app registration and has the Microsoft Graph permission Application.ReadWrite.OwnedBy; given, a deployment script makes the Function App\'s identity a federated credential of the app (infra/app/entra-federation.bicep). Empty: create the credential by hand (docs/upstream-sign-in.md).')
param entraFederationDeployerIdentityId string = ''

@description('DPoP (docs/dpop.md): require a server nonce in every DPoP proof. Needs dpopNonceKeySecretName.')
param dpopRequireNonce bool = false

@description('DPoP nonces: the name of a secret in this deployment\'s Key Vault holding base64 of at least 32 random bytes, which every instance shares (empty: no nonces).')
param dpopNonceKeySecretName string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-oauth-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
// Names known before deployment (not module outputs), so that What-If can predict the resources that use them.
var identityName = 'id-oauth-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var signingKeyName = 'oauth-signing'
// KeyVault mode: the key of the other algorithm, so ID tokens can be RS256 (OpenID Connect Discovery) and both are published.
var secondSigningKeyName = 'oauth-signing-second'
var wrappingKeyName = 'oauth-wrapping'
// The tables the server uses (OAuthTables.All), created with the prefix in front.
var tableNames = [
  'clients'
  'users'
  'grants'
  'revocations'
  'expiry'
  'signingkeys'
  'lockouts'
  'apis'
  'sessions'
  'consents'
  'upstreamsignins'
  'upstreamlinks'
  'replays'
  'pushedrequests'
  'devicecodes'
]

// Everything of one environment in one resource group, so that `azd down` removes it whole.
resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tablePrefix: tablePrefix
    tableNames: tableNames
    purgeQueueName: purgeQueueName
  }
}

// Grant families spread over the main account and these (OAuth__Storage__GrantAccounts), by a hash recorded in each family's id.
module grantStorage 'app/grant-storage.bicep' = [
  for i in range(0, grantStorageAccountCount): {
    name: 'grant-storage-${i}'
    scope: rg
    params: {
      name: 'stg${i + 1}${take(resourceToken, 20)}'
      location: location
      tags: tags
      tablePrefix: tablePrefix
      identityName: identityName
      principalId: identity.outputs.principalId
    }
  }
]

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    signingMode: signingMode
    signingAlgorithm: signingAlgorithm
    signingKeyName: signingKeyName
    secondSigningKeyName: secondSigningKeyName
    wrappingKeyName: wrappingKeyName
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module plan 'app/plan.bicep' = {
  name: 'plan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    planId: plan.outputs.id
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    signingMode: signingMode
    signingAlgorithm: signingAlgorithm
    signingKeyName: signingKeyName
    secondSigningKeyName: secondSigningKeyName
    wrappingKeyName: wrappingKeyName
    tablePrefix: tablePrefix
    purgeSchedule: purgeSchedule
    purgeQueueName: purgeQueueName
    requirePushedAuthorizationRequests: requirePushedAuthorizationRequests
    grantTableEndpoints: [for i in range(0, grantStorageAccountCount): grantStorage[i].outputs.tableEndpoint]
    entraClientId: entraClientId
    entraTenant: entraTenant
    entraAllowedTenants: entraAllowedTenants
    entraClientSecretName: entraClientSecretName
    dpopNonceKeySecretName: dpopNonceKeySecretName
    dpopRequireNonce: dpopRequireNonce
    keyVaultName: keyVaultName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  dependsOn: [
    storage
    monitoring
  ]
}

module entraFederation 'app/entra-federation.bicep' = if (!empty(entraClientId) && empty(entraClientSecretName) && !empty(entraFederationDeployerIdentityId)) {
  name: 'entra-federation'
  scope: rg
  params: {
    location: location
    tags: tags
    entraClientId: entraClientId
    subjectPrincipalId: identity.outputs.principalId
    deployerIdentityId: entraFederationDeployerIdentityId
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'alert-oauth-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsName: applicationInsightsName
    keyVaultName: keyVaultName
    alertEmail: alertEmail
  }
  dependsOn: [
    monitoring
    keyVault
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: identityName
    principalId: identity.outputs.principalId
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    signingMode: signingMode
    signingKeyName: signingKeyName
    secondSigningKeyName: secondSigningKeyName
    wrappingKeyName: wrappingKeyName
    entraClientSecretName: entraClientSecretName
    dpopNonceKeySecretName: dpopNonceKeySecretName
  }
  dependsOn: [
    storage
    keyVault
    monitoring
  ]
}

module operatorAccess 'app/operator-access.bicep' = if (!empty(principalId)) {
  name: 'operator-access'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
  dependsOn: [
    storage
    keyVault
  ]
}

@description('The issuer identifier of the server (RFC 8414), e.g. https://func-oauth-xyz.azurewebsites.net.')
output OAUTH_ISSUER string = 'https://${api.outputs.defaultHostName}'

@description('The authorization server metadata document.')
output OAUTH_METADATA_URL string = 'https://${api.outputs.defaultHostName}/.well-known/oauth-authorization-server'

@description('The function app name (for az functionapp commands).')
output AZURE_FUNCTION_APP_NAME string = api.outputs.name

@description('The table endpoint, for OAuth__Storage__TableServiceUri when running the admin commands.')
output OAUTH_TABLE_SERVICE_URI string = storage.outputs.tableEndpoint

@description('The Key Vault name, for key rotation.')
output AZURE_KEY_VAULT_NAME string = keyVaultName

@description('The resource group of the deployment.')
output AZURE_RESOURCE_GROUP string = rg.name

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
