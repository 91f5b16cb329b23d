@description('Service Bus namespace name.')
param name string
@description('Azure region.')
param location string
@description('Queue of reconstruction jobs.')
param queueName string = 'reconstruction-jobs'
@description('Lock duration of a delivered job; workers renew it up to Pipeline__MaxLockRenewalMinutes.')
param lockDuration string = 'PT5M'
@description('Deliveries before Service Bus dead-letters a job: Pipeline__MaxDeliveries (5) + 1. The worker dead-letters a failing job on delivery 5 with its reason, and any delivery beyond 5 unprocessed; the broker only catches what no worker could settle (each delivery crashed its worker).')
param maxDeliveryCount int = 6

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true // identities only
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P7D'
    // Message id = image hash + decoder version: a re-fired blob trigger queues nothing new within the window.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
  }
}

output namespaceId string = namespace.id
output namespaceName string = namespace.name
output queueId string = queue.id
output queueName string = queue.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
