@description('Name prefix for the environment, apps and job.')
param prefix string
@description('Azure region.')
param location string
@description('Worker container image (CUDA build, infra/docker/worker.Dockerfile).')
param workerImage string
@description('Trainer container image (infra/docker/trainer.Dockerfile).')
param trainerImage string
@description('Registry server the images come from (pulled with the apps\' identities).')
param registryServer string
@description('User-assigned identity resource ids and client ids.')
param workerIdentityId string
param workerClientId string
param trainerIdentityId string
param trainerClientId string
@description('Blob endpoint of the data storage account.')
param dataBlobEndpoint string
@description('Service Bus namespace name and FQDN, and the job queue.')
param serviceBusNamespaceName string
param serviceBusNamespace string
param queueName string
@description('GPU workload profile type for the worker (serverless GPU).')
param gpuProfileType string = 'Consumption-GPU-NC8as-T4'
@description('Most worker replicas.')
param maxWorkers int = 4
@description('Jobs waiting per worker replica before another one starts.')
param jobsPerWorker int = 64
@description('Retraining schedule (cron, UTC).')
param trainSchedule string = '0 3 * * 0'
@description('Representation the scheduled job retrains, and its training arguments.')
param trainArgs array = ['retrain', 'hog', '--size', '128', '--width', '0.5', '--steps', '20000', '--color-jitter', '0.5', '--device', 'cuda']

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${prefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logs.properties.customerId, sharedKey: logs.listKeys().primarySharedKey }
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
      { name: 'gpu', workloadProfileType: gpuProfileType }
    ]
  }
}

var pipelineEnv = [
  { name: 'Pipeline__Storage', value: 'azure' }
  { name: 'Pipeline__BlobServiceUri', value: dataBlobEndpoint }
  { name: 'Pipeline__Queue', value: 'servicebus' }
  { name: 'Pipeline__ServiceBusNamespace', value: serviceBusNamespace }
  { name: 'Pipeline__QueueName', value: queueName }
  { name: 'Pipeline__BatchSize', value: '64' }
  { name: 'Pipeline__MaxLockRenewalMinutes', value: '30' }
]

resource worker 'Microsoft.App/containerApps@2024-10-02-preview' = {
  name: '${prefix}-worker'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${workerIdentityId}': {} } }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'gpu'
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [{ server: registryServer, identity: workerIdentityId }]
    }
    template: {
      containers: [{
        name: 'worker'
        image: workerImage
        env: concat(pipelineEnv, [{ name: 'AZURE_CLIENT_ID', value: workerClientId }])
        resources: { cpu: json('8'), memory: '56Gi' }
      }]
      scale: {
        minReplicas: 0 // GPU time only while jobs wait
        maxReplicas: maxWorkers
        rules: [{
          name: 'jobs-waiting'
          custom: {
            type: 'azure-servicebus'
            metadata: { namespace: serviceBusNamespaceName, queueName: queueName, messageCount: string(jobsPerWorker) }
            identity: workerIdentityId
          }
        }]
      }
    }
  }
}

resource trainer 'Microsoft.App/jobs@2024-03-01' = {
  name: '${prefix}-trainer'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${trainerIdentityId}': {} } }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'gpu'
    configuration: {
      triggerType: 'Schedule'
      scheduleTriggerConfig: { cronExpression: trainSchedule, parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 6 * 3600
      replicaRetryLimit: 1
      registries: [{ server: registryServer, identity: trainerIdentityId }]
    }
    template: {
      containers: [{
        name: 'trainer'
        image: trainerImage
        args: trainArgs
        env: concat(pipelineEnv, [{ name: 'AZURE_CLIENT_ID', value: trainerClientId }])
        resources: { cpu: json('8'), memory: '56Gi' }
      }]
    }
  }
}

output workerName string = worker.name
output trainerJobName string = trainer.name
