@description('Name of the data storage account (images, features, results, models, training).')
param name string
@description('Azure region.')
param location string
@description('Blob containers the pipeline uses.')
param containers array = ['images', 'features', 'results', 'models', 'training']

// Identities only: shared keys off, so every access is an Entra ID role assignment (read URLs use user delegation SAS).
resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    // Lets results be restored if deleted by mistake (BlobCreated events reach the trigger through modules/eventgrid.bicep).
    deleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [for c in containers: {
  parent: blobService
  name: c
  properties: { publicAccess: 'None' }
}]

// The blob trigger parks blobs that failed 5 times here; created up front so that its role can be scoped to it.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource triggerPoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: 'webjobs-blobtrigger-poison'
}

output id string = account.id
output triggerPoisonQueue string = triggerPoison.name
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
