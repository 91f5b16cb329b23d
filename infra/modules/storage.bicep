@description('Name of the data storage account (images, features, results, models, training).')
param name string
@description('Azure region.')
param location string
@description('Blob containers the pipeline uses, and where Event Grid parks BlobCreated events it could not deliver.')
param containers array = ['images', 'features', 'results', 'models', 'training', 'events-deadletter']

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

// The blob trigger parks blobs that failed 5 times in the first queue; the function app's TriggerPoison function
// records each as a failed upload, and parks a message it cannot record 5 times in the second. Created up front so
// that the roles can be scoped to them.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource triggerPoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [for q in ['webjobs-blobtrigger-poison', 'webjobs-blobtrigger-poison-poison']: {
  parent: queueService
  name: q
}]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
