@description('Function app name.')
param name string
@description('Azure region.')
param location string
@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
@description('Client id of that identity (for identity-based connections).')
param identityClientId string
@description('Blob endpoint of the data storage account.')
param dataBlobEndpoint string
@description('Queue endpoint of the data storage account (the blob trigger\'s poison queue, webjobs-blobtrigger-poison, is there).')
param dataQueueEndpoint string
@description('Fully qualified Service Bus namespace.')
param serviceBusNamespace string
@description('Job queue name.')
param queueName string
@description('Representations computed for every image.')
param representations array
@description('Decoder size served (px): each representation\'s newest promoted decoder at it, else at a smaller size.')
param decoderSize int
@description('Name of the storage account for the Functions runtime (host keys, leases, deployment package).')
param hostStorageName string
@description('Application Insights connection string (OpenTelemetry export; the host\'s own telemetry too).')
param appInsightsConnectionString string
@description('azd environment name (tag).')
param environmentName string
@description('Client id of the Entra ID app registration users sign in with to read results (API and gallery). Empty: every request without a valid token is answered 401 until one is set (infra/scripts/postdeploy.sh creates it).')
param authClientId string = ''
@description('Tenant whose users may sign in.')
param tenantId string = subscription().tenantId

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: hostStorageName
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: { allowSharedKeyAccess: false, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2' }
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: hostStorage
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: hostBlobs
  name: 'deployments'
}

// Flex Consumption: Linux, scales per function, identity-based deployment storage.
resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${name}-plan'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

var representationSettings = [for (rep, i) in representations: { name: 'Pipeline__Representations__${i}', value: rep }]

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: { 'azd-service-name': 'functions', 'azd-env-name': environmentName }
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}deployments'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat([
        { name: 'AzureWebJobsStorage__accountName', value: hostStorage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // The blob trigger's connection: identity-based, on the data account.
        { name: 'PipelineStorage__blobServiceUri', value: dataBlobEndpoint }
        { name: 'PipelineStorage__queueServiceUri', value: dataQueueEndpoint }
        { name: 'PipelineStorage__credential', value: 'managedidentity' }
        { name: 'PipelineStorage__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId } // DefaultAzureCredential picks this identity
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        // Application Insights takes Entra ID tokens only (monitoring.bicep): the host and the OpenTelemetry exporter use this identity.
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
        { name: 'Pipeline__ImagesContainer', value: 'images' }
        { name: 'Pipeline__Storage', value: 'azure' }
        { name: 'Pipeline__BlobServiceUri', value: dataBlobEndpoint }
        { name: 'Pipeline__Queue', value: 'servicebus' }
        { name: 'Pipeline__ServiceBusNamespace', value: serviceBusNamespace }
        { name: 'Pipeline__QueueName', value: queueName }
        { name: 'Pipeline__DecoderSize', value: string(decoderSize) }
      ], representationSettings)
    }
  }
}

// App Service authentication (Easy Auth) in front of every function: the HTTP functions take no key and rely on it.
// Sign-in uses the OpenID Connect implicit flow (ID tokens, no client secret to keep); API callers send a bearer token
// for api://{authClientId}. Who may sign in is the app registration's assignment list (postdeploy.sh makes assignment required).
resource auth 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: union({
      requireAuthentication: true
      unauthenticatedClientAction: empty(authClientId) ? 'Return401' : 'RedirectToLoginPage'
      // Event Grid delivers BlobCreated events to the blob extension's webhook, authorised by its system key, not a user.
      excludedPaths: ['/runtime/webhooks/blobs']
    }, empty(authClientId) ? {} : { redirectToProvider: 'azureactivedirectory' })
    identityProviders: {
      azureActiveDirectory: {
        enabled: !empty(authClientId)
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: { allowedAudiences: empty(authClientId) ? [] : ['api://${authClientId}', authClientId] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = app.name
output hostStorageId string = hostStorage.id
output defaultHostName string = app.properties.defaultHostName
