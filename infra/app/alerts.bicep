// Alerts an operator of an authorization server wants without watching dashboards: stolen refresh tokens being
// replayed, the app failing requests, and Key Vault throttling the signing path. Each notifies the action group
// when an e-mail address is given; without one the alerts still fire and show in the portal.

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Azure region of the log alert rules (metric alerts are global).')
param location string

@description('Tags applied to the alert rules.')
param tags object

@description('Name of the Application Insights resource the app exports its telemetry to.')
param applicationInsightsName string

@description('Name of the Key Vault that holds the signing keys.')
param keyVaultName string

@description('E-mail address notified when an alert fires; empty for none.')
param alertEmail string = ''

@description('Rotated refresh tokens presented again within 15 minutes (oauth.refresh_token.reuse_detected) above which the reuse alert fires.')
@minValue(0)
param refreshReuseThreshold int = 5

@description('Percentage of requests answered with a 5xx within 15 minutes above which the failure alert fires.')
@minValue(1)
@maxValue(100)
param serverErrorPercentThreshold int = 5

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'oauth-ops'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = empty(alertEmail) ? [] : [actionGroup.id]

// The server counts every rotated refresh token presented after the grace window (RFC 9700 §4.14.2): a few are a
// client bug, a spike is someone replaying stolen tokens. The Azure Monitor exporter writes the meter's counters to
// customMetrics under the instrument's name.
resource refreshReuse 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-refresh-token-reuse'
  location: location
  tags: tags
  properties: {
    displayName: 'Refresh token reuse spike'
    description: 'Rotated refresh tokens were presented again after the grace window: a sign of stolen tokens. Each reuse revoked its authorization; look for the FamilyRevokedForReuse audit event (id 4021).'
    severity: 1
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "oauth.refresh_token.reuse_detected" | summarize reuse = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'reuse'
          operator: 'GreaterThan'
          threshold: refreshReuseThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actions
    }
  }
}

resource serverErrors 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-server-errors'
  location: location
  tags: tags
  properties: {
    displayName: 'Server error rate'
    description: 'More than ${serverErrorPercentThreshold}% of requests were answered with a 5xx (503 temporarily_unavailable: storage or Key Vault; 500 server_error: a bug).'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total > 0 | extend failedPercent = 100.0 * failed / total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'failedPercent'
          operator: 'GreaterThan'
          threshold: serverErrorPercentThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actions
    }
  }
}

// Key Vault answers 429 past its service limits; in KeyVault signing mode every token is a sign operation, so
// throttling here is the first sign that the deployment should switch to KeyVaultWrapped (docs/scale.md).
resource keyVaultThrottling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-keyvault-throttling'
  location: 'global'
  tags: tags
  properties: {
    description: 'Key Vault throttled requests (429). In KeyVault signing mode every token signs in the vault; consider KeyVaultWrapped.'
    severity: 2
    enabled: true
    scopes: [vault.id]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.KeyVault/vaults'
          metricName: 'ServiceApiResult'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: ['429']
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [for group in actions: { actionGroupId: group }]
  }
}

output alertRuleNames array = [refreshReuse.name, serverErrors.name, keyVaultThrottling.name]
