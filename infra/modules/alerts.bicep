// Operations: an action group that mails the operators, alerts on what otherwise fails silently, and a budget.
// - Failed jobs: the worker records a dead-lettered job's failure and completes the dead letter, so the queue's
//   dead-letter count stays near 0; the alert counts the pipeline's own `pipeline.failures` metric instead.
// - A stuck queue: jobs waiting the whole window (the minimum of active messages above 0: no moment when the queue
//   was empty), i.e. no worker consuming (no GPU quota, crash loop, missing role).
// - Cost: a monthly budget with actual and forecast notifications.
@description('Name prefix.')
param prefix string
@description('Azure region of the log alert rule.')
param location string
@description('E-mail address that alerts and the budget notify.')
param alertEmail string
@description('Monthly budget in the billing currency; 0 for none.')
param monthlyBudget int
@description('Failed jobs in 15 minutes that raise an alert.')
param failureThreshold int = 5
@description('Minutes the job queue may stay non-empty before an alert.')
param stuckQueueMinutes int = 30
@description('The Service Bus namespace and the job queue.')
param serviceBusNamespaceId string
param queueName string
@description('The Application Insights resource the hosts export to.')
param insightsId string
@description('First day of the budget (the current month by default).')
param budgetStartDate string = utcNow('yyyy-MM-01')

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${prefix}-operators'
  location: 'global'
  properties: {
    groupShortName: take(prefix, 12)
    enabled: true
    emailReceivers: [{ name: 'operators', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

resource stuckQueue 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: '${prefix}-jobs-waiting'
  location: 'global'
  properties: {
    description: 'Reconstruction jobs have waited ${stuckQueueMinutes} minutes with no moment of an empty queue: no worker is consuming.'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT${stuckQueueMinutes}M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{
        criterionType: 'StaticThresholdCriterion'
        name: 'active'
        metricName: 'ActiveMessages'
        metricNamespace: 'Microsoft.ServiceBus/namespaces'
        dimensions: [{ name: 'EntityName', operator: 'Include', values: [queueName] }]
        operator: 'GreaterThan'
        threshold: 0
        timeAggregation: 'Minimum'
      }]
    }
    actions: [{ actionGroupId: operators.id }]
  }
}

resource failedJobs 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${prefix}-jobs-failing'
  location: location
  properties: {
    description: 'More than ${failureThreshold} reconstruction jobs failed (dead-lettered with a failure record) in 15 minutes.'
    severity: 2
    enabled: true
    scopes: [insightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [{
        query: 'customMetrics | where name == "pipeline.failures" | summarize failures = sum(valueSum)'
        timeAggregation: 'Total'
        metricMeasureColumn: 'failures'
        operator: 'GreaterThan'
        threshold: failureThreshold
        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
      }]
    }
    actions: { actionGroups: [operators.id] }
  }
}

resource budget 'Microsoft.Consumption/budgets@2026-06-01' = if (monthlyBudget > 0) {
  name: '${prefix}-monthly'
  properties: {
    category: 'Cost'
    amount: monthlyBudget
    timeGrain: 'Monthly'
    timePeriod: { startDate: budgetStartDate }
    notifications: {
      actual80: { enabled: true, operator: 'GreaterThan', threshold: 80, thresholdType: 'Actual', contactEmails: [alertEmail] }
      forecast100: { enabled: true, operator: 'GreaterThan', threshold: 100, thresholdType: 'Forecasted', contactEmails: [alertEmail] }
    }
  }
}
