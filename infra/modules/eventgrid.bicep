// Event Grid delivery of BlobCreated events from the data account's images container to the function app's
// Event Grid blob trigger (BlobTrigger with Source = EventGrid; the only blob trigger source on Flex Consumption).
// The subscription's webhook needs the function host's blobs_extension system key, which exists only once the app's
// code (with its blob extension) has started: provision with deploySubscription = false, deploy the code, then
// provision again with true (main.bicep: deployEventSubscription=true).
@description('Data storage account (the images container lives there).')
param storageAccountName string
@description('Azure region.')
param location string
@description('Function app whose ImageUploaded function receives the events.')
param functionAppName string
@description('Container users drop images into.')
param imagesContainer string = 'images'
@description('Create the subscription (needs the deployed function host and its blobs_extension key).')
param deploySubscription bool = false

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: '${storageAccountName}-events'
  location: location
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deploySubscription) {
  parent: topic
  name: 'images-to-ingestion'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.ImageUploaded&code=${listKeys('${app.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/${imagesContainer}/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}

output topicName string = topic.name
