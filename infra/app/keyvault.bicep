// The Key Vault that holds the token signing key (KeyVault mode) or the key that wraps the server-generated signing
// keys (KeyVaultWrapped mode). Access is by Azure RBAC only; soft delete and purge protection keep a deleted key
// recoverable, which matters because losing the key invalidates every token and wrapped key at once.

@description('Name of the vault (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('How tokens are signed: Local (no vault key), KeyVault (vault key signs each token) or KeyVaultWrapped.')
@allowed([
  'Local'
  'KeyVault'
  'KeyVaultWrapped'
])
param signingMode string

@description('JWS algorithm of access tokens: ES256 (EC P-256 key) or RS256 (RSA 2048 key).')
@allowed([
  'ES256'
  'RS256'
])
param signingAlgorithm string

@description('Name of the signing key (KeyVault mode).')
param signingKeyName string

@description('Name of the signing key of the other algorithm (KeyVault mode): RSA when signingAlgorithm is ES256, EC P-256 when RS256.')
param secondSigningKeyName string

@description('Name of the wrapping key (KeyVaultWrapped mode).')
param wrappingKeyName string

@description('Days a deleted vault or key stays recoverable (7-90). With purge protection this cannot be shortened.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      // Software-protected keys: enough for token signing; Premium (HSM) costs more per operation.
      name: 'standard'
    }
    // Azure RBAC instead of access policies: one permission model with the rest of the deployment.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// KeyVault mode: every access token is signed by this key; the private key never leaves the vault.
// ARM creates the first version only; rotation makes new versions (see docs/deploy.md), redeploying does not.
resource signingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = if (signingMode == 'KeyVault') {
  parent: vault
  name: signingKeyName
  properties: {
    kty: signingAlgorithm == 'ES256' ? 'EC' : 'RSA'
    curveName: signingAlgorithm == 'ES256' ? 'P-256' : null
    keySize: signingAlgorithm == 'RS256' ? 2048 : null
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// KeyVault mode: the other algorithm's key, so that ID tokens can be RS256, as OpenID Connect Discovery requires, while
// access tokens keep signingAlgorithm; the server publishes both.
resource secondSigningKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = if (signingMode == 'KeyVault') {
  parent: vault
  name: secondSigningKeyName
  properties: {
    kty: signingAlgorithm == 'ES256' ? 'RSA' : 'EC'
    curveName: signingAlgorithm == 'ES256' ? null : 'P-256'
    keySize: signingAlgorithm == 'ES256' ? 2048 : null
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// KeyVaultWrapped mode: an RSA key that only wraps and unwraps the signing keys the server generates and keeps in
// Table Storage, so signing costs no vault operation. RSA whatever the token algorithm: EC keys cannot wrap.
resource wrappingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = if (signingMode == 'KeyVaultWrapped') {
  parent: vault
  name: wrappingKeyName
  properties: {
    kty: 'RSA'
    keySize: 2048
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
