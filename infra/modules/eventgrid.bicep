// The data account's Event Grid system topic. Its subscription to the function app's Event Grid blob trigger
// (BlobTrigger with Source = EventGrid, the only blob trigger source on Flex Consumption) needs the function host's
// blobs_extension system key, which exists only once the app's code has started: infra/scripts/postdeploy.sh
// creates it after the deploy, as Azure's functions-quickstart-dotnet-azd-eventgrid-blob sample does (a listKeys()
// here failed whole deployments while the key did not exist yet).
@description('Data storage account (the images container lives there).')
param storageAccountName string
@description('Azure region.')
param location string

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

// Its system-assigned identity writes undeliverable events to the events-deadletter container (main.bicep's role
// table; shared keys are off, so Event Grid's own key-based dead-lettering would fail).
resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: '${storageAccountName}-events'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output topicName string = topic.name
output principalId string = topic.identity.principalId
