@description('Storage account holding the container.')
param storageAccountName string
@description('Container the role is scoped to.')
param containerName string
@description('Principal (managed identity, or the deploying user) receiving the role.')
param principalId string
@description('ServicePrincipal for managed identities, User for the deployer.')
param principalType string = 'ServicePrincipal'
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
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}
