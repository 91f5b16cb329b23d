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
  params: { name: take('${prefix}acr${suffix}', 50), location: location }
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
  dependsOn: [workerRoles, trainerRoles, workerAcrPull, trainerAcrPull, receiveJobs, scaleOnJobs]
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

// --- Least-privilege role assignments, per identity and per container ---------------------------------------

// Function app: the Event Grid blob trigger only reads the images (the polling source's receipts, which needed
// Owner, are not used), writes features and results, reads published models, signs read-only user delegation SAS
// URLs, and only sends jobs.
var functionsBlobRoles = [
  { container: 'images', role: roles.blobReader }
  { container: 'features', role: roles.blobContributor }
  { container: 'results', role: roles.blobContributor }
  { container: 'models', role: roles.blobReader }
]
module functionsRoles 'modules/blob-container-role.bicep' = [for r in functionsBlobRoles: {
  name: 'functions-${r.container}'
  params: { storageAccountName: storage.outputs.name, containerName: r.container, principalId: functionsIdentity.properties.principalId, roleDefinitionId: r.role }
}]

// Worker: reads images, features and models; writes results; receives (and settles) jobs.
var workerBlobRoles = [
  { container: 'images', role: roles.blobReader }
  { container: 'features', role: roles.blobReader }
  { container: 'models', role: roles.blobReader }
  { container: 'results', role: roles.blobContributor }
]
module workerRoles 'modules/blob-container-role.bicep' = [for r in workerBlobRoles: {
  name: 'worker-${r.container}'
  params: { storageAccountName: storage.outputs.name, containerName: r.container, principalId: workerIdentity.properties.principalId, roleDefinitionId: r.role }
}]

// Trainer: reads training photos, publishes models.
var trainerBlobRoles = [
  { container: 'training', role: roles.blobReader }
  { container: 'models', role: roles.blobContributor }
]
module trainerRoles 'modules/blob-container-role.bicep' = [for r in trainerBlobRoles: {
  name: 'trainer-${r.container}'
  params: { storageAccountName: storage.outputs.name, containerName: r.container, principalId: trainerIdentity.properties.principalId, roleDefinitionId: r.role }
}]

// The deployer: uploads images and training photos, and seeds the decoders (postdeploy.sh publishes the shipped
// ones). Uploaders get the same role on images only (docs/pipeline.md).
var deployerBlobRoles = empty(deployerPrincipalId) ? [] : [
  { container: 'images', role: roles.blobContributor }
  { container: 'models', role: roles.blobContributor }
  { container: 'training', role: roles.blobContributor }
]
module deployerRoles 'modules/blob-container-role.bicep' = [for r in deployerBlobRoles: {
  name: 'deployer-${r.container}'
  params: { storageAccountName: storage.outputs.name, containerName: r.container, principalId: deployerPrincipalId, principalType: 'User', roleDefinitionId: r.role }
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

// Function app, account level on the data account: user delegation keys only (to sign read-only SAS URLs; the
// key is account-wide, the SAS it signs is per blob and read-only).
resource delegatorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataAccount.id, functionsIdentity.id, roles.blobDelegator)
  scope: dataAccount
  dependsOn: [storage]
  properties: { principalId: functionsIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.blobDelegator) }
}

// The blob trigger's poison queue, and only it, on the data account (blobs that fail 5 times are parked there).
resource triggerPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' existing = {
  name: '${take('${prefix}data${suffix}', 24)}/default/webjobs-blobtrigger-poison' // created by modules/storage.bicep
}

resource poisonQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataAccount.id, functionsIdentity.id, roles.queueContributor, 'webjobs-blobtrigger-poison')
  scope: triggerPoisonQueue
  dependsOn: [storage]
  properties: { principalId: functionsIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.queueContributor) }
}

// The Functions runtime's own storage account (identity-based AzureWebJobsStorage and the deployment package).
var functionsHostRoles = [roles.blobOwner, roles.queueContributor]
resource hostRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in functionsHostRoles: {
  name: guid(hostAccount.id, functionsIdentity.id, role)
  scope: hostAccount
  dependsOn: [functions]
  properties: { principalId: functionsIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role) }
}]

resource sendJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(jobQueue.id, functionsIdentity.id, roles.serviceBusSender)
  scope: jobQueue
  dependsOn: [bus]
  properties: { principalId: functionsIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusSender) }
}

resource receiveJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(jobQueue.id, workerIdentity.id, roles.serviceBusReceiver)
  scope: jobQueue
  dependsOn: [bus]
  properties: { principalId: workerIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusReceiver) }
}

resource scaleOnJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(jobQueue.id, scalerIdentity.id, roles.serviceBusOwner)
  scope: jobQueue
  dependsOn: [bus]
  properties: { principalId: scalerIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusOwner) }
}

// Telemetry with Entra ID only (monitoring.bicep disables key-based ingestion): each host's identity publishes to
// Application Insights.
resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: '${prefix}-insights' // monitoring.bicep's name (a scope must be known when the deployment starts)
  dependsOn: [monitoring]
}

resource telemetryPublishers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for host in ['functions', 'worker', 'trainer']: {
  name: guid(insights.id, host, roles.metricsPublisher)
  scope: insights
  properties: {
    principalId: host == 'functions' ? functionsIdentity.properties.principalId : host == 'worker' ? workerIdentity.properties.principalId : trainerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.metricsPublisher)
  }
}]

resource workerAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acr.id, workerIdentity.id, roles.acrPull)
  scope: acr
  dependsOn: [registry]
  properties: { principalId: workerIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull) }
}

resource trainerAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acr.id, trainerIdentity.id, roles.acrPull)
  scope: acr
  dependsOn: [registry]
  properties: { principalId: trainerIdentity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull) }
}

output functionAppHost string = functions.outputs.defaultHostName
output dataStorageAccount string = storage.outputs.name
output DATA_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output EVENTGRID_TOPIC string = events.outputs.topicName
output FUNCTIONS_APP_NAME string = functions.outputs.name
output serviceBusNamespace string = bus.outputs.fullyQualifiedNamespace
output workerApp string = apps.outputs.workerName
output trainerJobs array = apps.outputs.trainerJobNames
// Read by azd (azure.yaml): where to push images, and the names the hooks use.
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = apps.outputs.environmentName
output TRAINER_JOBS string = join(apps.outputs.trainerJobNames, ' ')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output FUNCTIONS_HOST string = functions.outputs.defaultHostName
output RESULTS_AUTH_CONFIGURED bool = !empty(resultsAuthClientId)
