// Alerts an operator of an authorization server wants without watching dashboards: stolen refresh tokens being
// replayed, the app failing requests, storage or the Functions host throttling, the purge falling behind, and Key
// Vault throttling the signing path. Each notifies the action group when an e-mail address is given; without one the
// alerts still fire and show in the portal.
// The log queries count with sum(itemCount), not count(): traces are sampled (WorkerTelemetry), and a kept item stands
// for itemCount items. They keep the timestamp (summarize ... by bin(timestamp, ...)), which a log alert with a
// measure column aggregates over; a query that summarizes it away is refused when the rule is created.

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

@description('Table Storage calls answered 503 (server busy: the account or a partition is past its scalability target) within 15 minutes above which the storage throttling alert fires. Each retry counts.')
@minValue(0)
param storageThrottledThreshold int = 10

@description('Requests the Functions host refused with 429 (maxOutstandingRequests / maxConcurrentRequests in host.json, or its dynamic throttles) within 15 minutes above which the host throttling alert fires.')
@minValue(0)
param hostThrottledThreshold int = 0

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
          query: 'customMetrics | where name == "oauth.refresh_token.reuse_detected" | summarize reuse = sum(valueSum) by bin(timestamp, 5m)'
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
          query: 'requests | summarize total = sum(itemCount), failed = sumif(itemCount, toint(resultCode) >= 500) by bin(timestamp, 5m) | where total > 0 | extend failedPercent = 100.0 * failed / total'
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

// The server times every Table Storage call (each retry too) in oauth.storage.duration with its status: 503 is the
// service saying the account or a partition is past its scalability target (docs/scale.md). The SDK's retries ride a
// few out; a sustained number means requests are about to get 503 temporarily_unavailable.
resource storageThrottling 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-storage-throttling'
  location: location
  tags: tags
  properties: {
    displayName: 'Storage throttling'
    description: 'Table Storage answered 503 (server busy) more than ${storageThrottledThreshold} times in 15 minutes: a partition or the account is at its scalability target (docs/scale.md).'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "oauth.storage.duration" and toint(customDimensions.status) == 503 | summarize throttled = sum(valueCount) by bin(timestamp, 5m)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'throttled'
          operator: 'GreaterThan'
          threshold: storageThrottledThreshold
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

// The Functions host answers 429 itself when more requests are outstanding or running than host.json allows
// (extensions.http.maxOutstandingRequests, maxConcurrentRequests, dynamicThrottlesEnabled): the instance is full and
// the platform has not added instances fast enough, or maximumInstanceCount is reached.
resource hostThrottling 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-host-throttling'
  location: location
  tags: tags
  properties: {
    displayName: 'Functions host throttling'
    description: 'The Functions host refused more than ${hostThrottledThreshold} requests with 429 in 15 minutes: instances are full (host.json http limits) or maximumInstanceCount is reached.'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where resultCode == "429" | summarize throttled = sum(itemCount) by bin(timestamp, 5m)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'throttled'
          operator: 'GreaterThan'
          threshold: hostThrottledThreshold
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

// Each run of the purge's timer logs event 4921 (PurgeRun). A run that started past due (no instance ran it on time),
// that found buckets of the previous run still queued (BucketsWaiting: the queue trigger's instances did not purge
// them within a schedule interval) or buckets in the poison queue (BucketsPoisoned: a purge that failed five times)
// means expired rows pile up faster than the purge removes them.
resource purgeBacklog 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-purge-backlog'
  location: location
  tags: tags
  properties: {
    displayName: 'Purge backlog'
    description: 'Expiry purge runs started past due or found the buckets of the previous run still queued or buckets in the poison queue: expired rows accumulate faster than the purge deletes them (docs/scale.md).'
    severity: 3
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    criteria: {
      allOf: [
        {
          query: 'traces | where tostring(customDimensions.EventId) == "4921" | where tobool(customDimensions.IsPastDue) or toint(customDimensions.BucketsWaiting) > 0 or toint(customDimensions.BucketsPoisoned) > 0 | summarize behind = sum(itemCount) by bin(timestamp, 15m)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'behind'
          operator: 'GreaterThan'
          threshold: 1
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

output alertRuleNames array = [refreshReuse.name, serverErrors.name, storageThrottling.name, hostThrottling.name, purgeBacklog.name, keyVaultThrottling.name]
