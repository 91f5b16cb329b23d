// Logs and telemetry: one Log Analytics workspace (Container Apps' console logs land there too) and a
// workspace-based Application Insights resource that the function app, the worker and the trainer export their
// OpenTelemetry traces, metrics and logs to (APPLICATIONINSIGHTS_CONNECTION_STRING).
@description('Name prefix.')
param prefix string
@description('Azure region.')
param location string
@description('Days logs are kept.')
param retentionInDays int = 30

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: '${prefix}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: retentionInDays }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    IngestionMode: 'LogAnalytics'
  }
}

output workspaceName string = logs.name
output connectionString string = insights.properties.ConnectionString
