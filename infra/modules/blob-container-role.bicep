@description('Storage account holding the container.')
param storageAccountName string
@description('Container the role is scoped to.')
param containerName string
@description('Principal (managed identity) receiving the role.')
param principalId string
@description('Role definition GUID.')
param roleDefinitionId string

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = {
  name: '${storageAccountName}/default/${containerName}'
}

// Scoped to one container: least privilege per identity and per container.
resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, principalId, roleDefinitionId)
  scope: container
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}
