// The user-assigned managed identity the function app uses for everything: host storage, the OAuth tables, the
// deployment package, Key Vault and Application Insights. User-assigned (not system-assigned) so that its role
// assignments can be made before the app exists and survive the app being recreated.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
