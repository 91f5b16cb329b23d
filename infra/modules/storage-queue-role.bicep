@description('Storage account holding the queue.')
param storageAccountName string
@description('Queue the role is scoped to.')
param queueName string
@description('Principal (managed identity) receiving the role.')
param principalId string
@description('Role definition GUID.')
param roleDefinitionId string

resource queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' existing = {
  name: '${storageAccountName}/default/${queueName}'
}

// Scoped to one queue: the blob trigger's poison queues are the only queues the function app touches on the data
// account.
resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, principalId, roleDefinitionId)
  scope: queue
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}
