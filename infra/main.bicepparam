// Parameters for a plain `az deployment sub create --location <region> --parameters infra/main.bicepparam`.
// The same environment variables as azd's main.parameters.json, so one set of names serves both ways of deploying.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param signingMode = readEnvironmentVariable('OAUTH_SIGNING_MODE', 'KeyVault')
param signingAlgorithm = readEnvironmentVariable('OAUTH_SIGNING_ALGORITHM', 'ES256')
param alertEmail = readEnvironmentVariable('OAUTH_ALERT_EMAIL', '')
