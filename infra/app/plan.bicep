// The Flex Consumption plan (FC1, Linux): per-execution billing, scale to zero, no always-ready instances.

@description('Name of the hosting plan.')
param name string

@description('Azure region of the plan (must offer Flex Consumption).')
param location string

@description('Tags applied to the plan.')
param tags object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

output id string = plan.id
