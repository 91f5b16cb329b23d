// Feature-inversion pipeline: data storage, Service Bus job queue, Function App (Event Grid blob trigger + results
// API), GPU Container Apps worker scaled by queue length, one scheduled trainer job per representation, container
// registry, Application Insights, managed identities with least-privilege role assignments.
// Deploy: azd up (azure.yaml), or az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam.
targetScope = 'resourceGroup'

// Serverless GPU workload profiles exist only in a few regions (docs/deploy.md; check the current list in the Container
// Apps "serverless GPUs" documentation and add a region here when it offers them). A region outside the list fails at
// validation, before anything is created, instead of at the worker after the rest is deployed.
@description('Azure region for every resource: one that offers Container Apps serverless GPUs (T4 / A100), with quota.')
@allowed(['westus3', 'australiaeast', 'swedencentral'])
param location string
@description('Short lowercase prefix for resource names (3-11 characters).')
@minLength(3)
@maxLength(11)
param prefix string = 'finv'
@description('Worker image (infra/docker/worker.Dockerfile); azd deploy replaces the placeholder with the image it builds.')
param workerImage string = 'mcr.microsoft.com/k8se/quickstart:latest'
@description('Trainer image (infra/docker/trainer.Dockerfile); infra/scripts/postdeploy.sh builds it and updates the jobs.')
param trainerImage string = 'mcr.microsoft.com/k8se/quickstart:latest'
@description('Representations computed for every uploaded image, and retrained on schedule (one job each).')
param representations array = ['hog', 'sift-grid', 'lbp']
@description('Decoder size served and retrained (image side, px): the scheduled jobs train at it and ingestion serves each representation\'s newest promoted decoder at it, else the seeded smaller one until a retrain is promoted.')
@allowed([64, 128, 256])
param decoderSize int = 128
@description('Retraining: day of the week (cron field, UTC) and the hour the first job starts (the others follow an hour apart).')
param trainDayOfWeek string = '0'
param trainHour int = 3
@description('Container registry tier: Premium (artifact streaming for the worker\'s cold start, about 10x Basic\'s daily price) or Basic.')
@allowed(['Basic', 'Standard', 'Premium'])
param registrySku string = 'Premium'
@description('azd environment name (tags the resources azd deploys to).')
param environmentName string = prefix

var suffix = uniqueString(resourceGroup().id)
var roles = {
  blobReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  blobContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  blobOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  blobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  queueContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  serviceBusSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { prefix: prefix, location: location }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: { name: take('${prefix}acr${suffix}', 50), location: location, sku: registrySku }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { name: take('${prefix}data${suffix}', 24), location: location }
}

module bus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: { name: '${prefix}-bus-${suffix}', location: location }
}

resource functionsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${prefix}-functions-id'
  location: location
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${prefix}-worker-id'
  location: location
}

resource trainerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${prefix}-trainer-id'
  location: location
}

// KEDA's azure-servicebus scaler reads the queue's message count, which needs Manage rights: Azure Service Bus
// Data Owner (kedacore/keda#806, microsoft/azure-container-apps#1138). A separate identity holds it, on the job
// queue only, so the worker's own code keeps Receiver.
resource scalerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${prefix}-scaler-id'
  location: location
}

module functions 'modules/functionapp.bicep' = {
  name: 'functions'
  params: {
    authClientId: resultsAuthClientId
    name: '${prefix}-func-${suffix}'
    location: location
    identityId: functionsIdentity.id
    identityClientId: functionsIdentity.properties.clientId
    dataBlobEndpoint: storage.outputs.blobEndpoint
    dataQueueEndpoint: storage.outputs.queueEndpoint
    serviceBusNamespace: bus.outputs.fullyQualifiedNamespace
    queueName: bus.outputs.queueName
    representations: representations
    decoderSize: decoderSize
    hostStorageName: take('${prefix}host${suffix}', 24)
    appInsightsConnectionString: monitoring.outputs.connectionString
    environmentName: environmentName
  }
}

@description('The deploying user (azd sets AZURE_PRINCIPAL_ID): Blob Data Contributor on images, models and training, to upload photos and seed decoders. Empty: none.')
param deployerPrincipalId string = ''

@description('E-mail address for operations alerts (failed jobs, a queue no worker consumes) and the budget; empty: no alerts and no budget.')
param alertEmail string = ''
@description('Monthly budget in the billing currency, notified at 80 % actual and 100 % forecast (needs alertEmail); 0: none.')
param monthlyBudget int = 0

@description('Entra ID app registration (client id) that readers of results sign in with; empty = results API closed (401) until set.')
param resultsAuthClientId string = ''

module events 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    storageAccountName: storage.outputs.name
    location: location
  }
}

module alerts 'modules/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  params: {
    prefix: prefix
    location: location
    alertEmail: alertEmail
    monthlyBudget: monthlyBudget
    serviceBusNamespaceId: bus.outputs.namespaceId
    queueName: bus.outputs.queueName
    insightsId: insights.id
  }
}

module apps 'modules/containerapps.bicep' = {
  name: 'containerapps'
  dependsOn: [containerRoles, registryRoles, jobQueueRoles]
  params: {
    prefix: prefix
    location: location
    workerImage: workerImage
    trainerImage: trainerImage
    registryServer: registry.outputs.loginServer
    workerIdentityId: workerIdentity.id
    workerClientId: workerIdentity.properties.clientId
    scalerIdentityId: scalerIdentity.id
    trainerIdentityId: trainerIdentity.id
    trainerClientId: trainerIdentity.properties.clientId
    dataBlobEndpoint: storage.outputs.blobEndpoint
    serviceBusNamespaceName: bus.outputs.namespaceName
    serviceBusNamespace: bus.outputs.fullyQualifiedNamespace
    queueName: bus.outputs.queueName
    trainRepresentations: representations
    trainSize: decoderSize
    trainDayOfWeek: trainDayOfWeek
    trainHour: trainHour
    logAnalyticsWorkspaceName: monitoring.outputs.workspaceName
    appInsightsConnectionString: monitoring.outputs.connectionString
  }
}

// --- Least-privilege role assignments: one table, one row per assignment -------------------------------------
// docs/pipeline.md has the same table with the code path that needs each row; RoleTableTests keeps the two in step,
// and RoleRehearsalTests runs each host on Azurite with only its container rows (and fails without any one of them).
// scope: container (a data container), queue (a storage queue of the data account), dataAccount, hostAccount (the
// Functions runtime's own account), jobQueue (the Service Bus job queue), insights, registry.
var roleTable = [
  { identity: 'functions', role: 'blobReader', scope: 'container', target: 'images' }
  { identity: 'functions', role: 'blobContributor', scope: 'container', target: 'features' }
  { identity: 'functions', role: 'blobContributor', scope: 'container', target: 'results' }
  { identity: 'functions', role: 'blobReader', scope: 'container', target: 'models' }
  { identity: 'functions', role: 'blobDelegator', scope: 'dataAccount', target: '' }
  { identity: 'functions', role: 'queueContributor', scope: 'queue', target: 'webjobs-blobtrigger-poison' }
  { identity: 'functions', role: 'queueContributor', scope: 'queue', target: 'webjobs-blobtrigger-poison-poison' }
  { identity: 'functions', role: 'blobOwner', scope: 'hostAccount', target: '' }
  { identity: 'functions', role: 'queueContributor', scope: 'hostAccount', target: '' }
  { identity: 'functions', role: 'serviceBusSender', scope: 'jobQueue', target: 'reconstruction-jobs' }
  { identity: 'functions', role: 'metricsPublisher', scope: 'insights', target: '' }
  { identity: 'worker', role: 'blobReader', scope: 'container', target: 'images' }
  { identity: 'worker', role: 'blobReader', scope: 'container', target: 'features' }
  { identity: 'worker', role: 'blobReader', scope: 'container', target: 'models' }
  { identity: 'worker', role: 'blobContributor', scope: 'container', target: 'results' }
  { identity: 'worker', role: 'serviceBusReceiver', scope: 'jobQueue', target: 'reconstruction-jobs' }
  { identity: 'worker', role: 'metricsPublisher', scope: 'insights', target: '' }
  { identity: 'worker', role: 'acrPull', scope: 'registry', target: '' }
  { identity: 'scaler', role: 'serviceBusOwner', scope: 'jobQueue', target: 'reconstruction-jobs' }
  { identity: 'trainer', role: 'blobReader', scope: 'container', target: 'training' }
  { identity: 'trainer', role: 'blobContributor', scope: 'container', target: 'models' }
  { identity: 'trainer', role: 'metricsPublisher', scope: 'insights', target: '' }
  { identity: 'trainer', role: 'acrPull', scope: 'registry', target: '' }
  { identity: 'deployer', role: 'blobContributor', scope: 'container', target: 'images' }
  { identity: 'deployer', role: 'blobContributor', scope: 'container', target: 'models' }
  { identity: 'deployer', role: 'blobContributor', scope: 'container', target: 'training' }
  { identity: 'eventgrid', role: 'blobContributor', scope: 'container', target: 'events-deadletter' }
]

// The deployer's rows only when azd names one (AZURE_PRINCIPAL_ID).
var assigned = filter(roleTable, r => r.identity != 'deployer' || !empty(deployerPrincipalId))
var principals = {
  functions: functionsIdentity.properties.principalId
  worker: workerIdentity.properties.principalId
  scaler: scalerIdentity.properties.principalId
  trainer: trainerIdentity.properties.principalId
  deployer: deployerPrincipalId
  eventgrid: events.outputs.principalId // the system topic's identity, for its dead-letter container
}

module containerRoles 'modules/blob-container-role.bicep' = [for r in filter(assigned, r => r.scope == 'container'): {
  name: '${r.identity}-${r.role}-${r.target}'
  params: {
    storageAccountName: storage.outputs.name
    containerName: r.target
    principalId: principals[r.identity]
    principalType: r.identity == 'deployer' ? 'User' : 'ServicePrincipal'
    roleDefinitionId: roles[r.role]
  }
}]

module queueRoles 'modules/storage-queue-role.bicep' = [for r in filter(assigned, r => r.scope == 'queue'): {
  name: '${r.identity}-${r.role}-${r.target}'
  params: {
    storageAccountName: storage.outputs.name
    queueName: r.target
    principalId: principals[r.identity]
    roleDefinitionId: roles[r.role]
  }
}]

resource dataAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: take('${prefix}data${suffix}', 24)
}

resource hostAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: take('${prefix}host${suffix}', 24)
}

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: '${prefix}-bus-${suffix}'
}

resource jobQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = {
  parent: serviceBusNamespace
  name: 'reconstruction-jobs'
}

resource acr 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: take('${prefix}acr${suffix}', 50)
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: '${prefix}-insights' // monitoring.bicep's name (a scope must be known when the deployment starts)
  dependsOn: [monitoring]
}

// Account level on the data account: user delegation keys only (to sign read-only SAS URLs; the key is account-wide,
// the SAS it signs is per blob and read-only).
resource dataAccountRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in filter(assigned, r => r.scope == 'dataAccount'): {
  name: guid(dataAccount.id, r.identity, r.role)
  scope: dataAccount
  properties: { principalId: principals[r.identity], principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[r.role]) }
}]

// The Functions runtime's own storage account (identity-based AzureWebJobsStorage and the deployment package).
resource hostAccountRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in filter(assigned, r => r.scope == 'hostAccount'): {
  name: guid(hostAccount.id, r.identity, r.role)
  scope: hostAccount
  dependsOn: [functions]
  properties: { principalId: principals[r.identity], principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[r.role]) }
}]

// KEDA's azure-servicebus scaler reads the queue's message count, which needs Manage rights (the scaler identity's
// Data Owner row); the worker's own code only receives.
resource jobQueueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in filter(assigned, r => r.scope == 'jobQueue'): {
  name: guid(jobQueue.id, r.identity, r.role)
  scope: jobQueue
  dependsOn: [bus]
  properties: { principalId: principals[r.identity], principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[r.role]) }
}]

// Telemetry with Entra ID only (monitoring.bicep disables key-based ingestion).
resource insightsRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in filter(assigned, r => r.scope == 'insights'): {
  name: guid(insights.id, r.identity, r.role)
  scope: insights
  properties: { principalId: principals[r.identity], principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[r.role]) }
}]

resource registryRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in filter(assigned, r => r.scope == 'registry'): {
  name: guid(acr.id, r.identity, r.role)
  scope: acr
  dependsOn: [registry]
  properties: { principalId: principals[r.identity], principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[r.role]) }
}]

output functionAppHost string = functions.outputs.defaultHostName
output dataStorageAccount string = storage.outputs.name
output DATA_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output DATA_ACCOUNT_ID string = storage.outputs.id
output EVENTGRID_TOPIC string = events.outputs.topicName
output FUNCTIONS_APP_NAME string = functions.outputs.name
output serviceBusNamespace string = bus.outputs.fullyQualifiedNamespace
output workerApp string = apps.outputs.workerName
output WORKER_APP string = apps.outputs.workerName
output trainerJobs array = apps.outputs.trainerJobNames
// Read by azd (azure.yaml): where to push images, and the names the hooks use.
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_SKU string = registry.outputs.sku
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = apps.outputs.environmentName
output TRAINER_JOBS string = join(apps.outputs.trainerJobNames, ' ')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output FUNCTIONS_HOST string = functions.outputs.defaultHostName
output RESULTS_AUTH_CONFIGURED bool = !empty(resultsAuthClientId)
