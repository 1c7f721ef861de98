// The Function App's managed identity as a federated identity credential of the Entra app registration
// (docs/upstream-sign-in.md, "With the deployment's Bicep"): the server then signs in to Entra with the identity's
// token for api://AzureADTokenExchange as its client assertion, and there is no secret anywhere.
//
// Why a deployment script and not the Microsoft Graph Bicep extension: the extension's types are restored from a
// registry (br:mcr.microsoft.com/bicep/extensions/microsoftgraph/...) when the template is built, so the template
// could not be built, nor its ARM JSON tested, without that registry. The script runs the documented command,
// `az ad app federated-credential create` (or update, so a rerun is harmless), with the same four values.
//
// What it needs, prepared once by an administrator (Graph permissions cannot be granted from ARM):
// - `deployerIdentityId`: a user-assigned managed identity the script runs as, which is an owner of the app
//   registration and has the Microsoft Graph application permission Application.ReadWrite.OwnedBy (admin consent);
//   Application.ReadWrite.All also works but reaches every app in the tenant.
// - the deploying principal may assign that identity (Managed Identity Operator on it) and create
//   Microsoft.Resources/deploymentScripts and the container instance and storage account the script service makes
//   for its run (Contributor on the resource group covers both; the storage account is deleted with the script).

@description('Azure region of the script\'s run.')
param location string

@description('Tags applied to the script resource.')
param tags object

@description('The app registration\'s Application (client) ID.')
param entraClientId string

@description('The Function App identity\'s object (principal) id: the credential\'s subject.')
param subjectPrincipalId string

@description('Resource id of the user-assigned identity the script runs as: an owner of the app registration with Application.ReadWrite.OwnedBy.')
param deployerIdentityId string

@description('The credential\'s name on the app registration (3-120 characters, immutable).')
param credentialName string = 'oauth-server-identity'

// The issuer is this tenant's Entra v2.0 issuer; the audience is the public cloud's token exchange audience.
var issuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var audience = 'api://AzureADTokenExchange'

resource federatedCredential 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'entra-federated-credential'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${deployerIdentityId}': {}
    }
  }
  properties: {
    azCliVersion: '2.61.0'
    // Runs again only when what it writes changes.
    forceUpdateTag: uniqueString(entraClientId, subjectPrincipalId, issuer, credentialName)
    timeout: 'PT10M'
    retentionInterval: 'PT1H'
    cleanupPreference: 'Always'
    environmentVariables: [
      { name: 'APP_ID', value: entraClientId }
      { name: 'FIC_NAME', value: credentialName }
      { name: 'FIC_ISSUER', value: issuer }
      { name: 'FIC_SUBJECT', value: subjectPrincipalId }
      { name: 'FIC_AUDIENCE', value: audience }
    ]
    scriptContent: '''
      set -eu
      body=$(jq -n --arg n "$FIC_NAME" --arg i "$FIC_ISSUER" --arg s "$FIC_SUBJECT" --arg a "$FIC_AUDIENCE" \
        '{name: $n, issuer: $i, subject: $s, audiences: [$a], description: "The OAuth server Function App managed identity"}')
      if az ad app federated-credential show --id "$APP_ID" --federated-credential-id "$FIC_NAME" > /dev/null 2>&1; then
        az ad app federated-credential update --id "$APP_ID" --federated-credential-id "$FIC_NAME" --parameters "$body" > /dev/null
      else
        az ad app federated-credential create --id "$APP_ID" --parameters "$body" > /dev/null
      fi
      '''
  }
}

output issuer string = issuer
