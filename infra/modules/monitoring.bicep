// Logs and telemetry: one Log Analytics workspace (Container Apps' console logs land there too) and a
// workspace-based Application Insights resource that the function app, the worker and the trainer export their
// OpenTelemetry traces, metrics and logs to (APPLICATIONINSIGHTS_CONNECTION_STRING), authenticated with their
// managed identities (local, key-based ingestion is off).
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
    // Entra ID only: the connection string alone cannot send telemetry; the hosts' identities hold Monitoring Metrics
    // Publisher on this resource and authenticate (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    DisableLocalAuth: true
  }
}

output workspaceName string = logs.name
output connectionString string = insights.properties.ConnectionString
