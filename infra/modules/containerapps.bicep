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
@description('Identity the KEDA Service Bus scale rule authenticates with (Azure Service Bus Data Owner on the job queue).')
param scalerIdentityId string
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
@description('Representations retrained on schedule: one Container Apps job each.')
param trainRepresentations array = ['hog', 'sift-grid', 'lbp']
@description('Retraining day of the week (cron field, UTC) and the hour the first job starts; the others follow an hour apart.')
param trainDayOfWeek string = '0'
param trainHour int = 3
@description('Image size the scheduled jobs train at (the size ingestion serves, main.bicep decoderSize).')
param trainSize int = 128
@description('Training arguments after the representation and size.')
param trainArgs array = ['--width', '0.5', '--steps', '20000', '--color-jitter', '0.5', '--device', 'cuda']
@description('Log Analytics workspace the environment writes console logs to (modules/monitoring.bicep).')
param logAnalyticsWorkspaceName string
@description('Application Insights connection string (OpenTelemetry export of traces, metrics and logs).')
param appInsightsConnectionString string
@description('Port of the worker\'s health endpoint (/healthz/live, /healthz/ready).')
param healthPort int = 8080

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
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
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
]

resource worker 'Microsoft.App/containerApps@2025-07-01' = {
  name: '${prefix}-worker'
  location: location
  tags: { 'azd-service-name': 'worker' }
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${workerIdentityId}': {}, '${scalerIdentityId}': {} } }
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
        env: concat(pipelineEnv, [
          { name: 'AZURE_CLIENT_ID', value: workerClientId }
          { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${workerClientId}' }
          { name: 'Pipeline__HealthPort', value: string(healthPort) }
          // A GPU replica that cannot load CUDA must fail its start, not decode on the CPU ('auto' would).
          { name: 'Pipeline__Device', value: 'cuda' }
        ])
        resources: { cpu: json('8'), memory: '56Gi' }
        // Startup covers the model download and CUDA start; liveness fails when a consumer loop has stopped.
        probes: [
          { type: 'Startup', httpGet: { path: '/healthz/live', port: healthPort }, periodSeconds: 10, failureThreshold: 30 }
          { type: 'Liveness', httpGet: { path: '/healthz/live', port: healthPort }, periodSeconds: 30, failureThreshold: 3 }
          { type: 'Readiness', httpGet: { path: '/healthz/ready', port: healthPort }, periodSeconds: 15, failureThreshold: 2 }
        ]
      }]
      scale: {
        minReplicas: 0 // GPU time only while jobs wait
        maxReplicas: maxWorkers
        rules: [{
          name: 'jobs-waiting'
          custom: {
            type: 'azure-servicebus'
            metadata: { namespace: serviceBusNamespaceName, queueName: queueName, messageCount: string(jobsPerWorker) }
            identity: scalerIdentityId // the worker's own identity may only receive; the scaler must read queue counts
          }
        }]
      }
    }
  }
}

// One scheduled job per representation (each on its own GPU replica), an hour apart.
resource trainers 'Microsoft.App/jobs@2025-07-01' = [for (rep, i) in trainRepresentations: {
  name: take('${prefix}-train-${rep}', 32)
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${trainerIdentityId}': {} } }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'gpu'
    configuration: {
      triggerType: 'Schedule'
      scheduleTriggerConfig: { cronExpression: '0 ${(trainHour + i) % 24} * * ${trainDayOfWeek}', parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 6 * 3600
      replicaRetryLimit: 1
      registries: [{ server: registryServer, identity: trainerIdentityId }]
    }
    template: {
      containers: [{
        name: 'trainer'
        image: trainerImage
        args: concat(['retrain', rep, '--size', string(trainSize)], trainArgs)
        env: concat(pipelineEnv, [
          { name: 'AZURE_CLIENT_ID', value: trainerClientId }
          { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${trainerClientId}' }
        ])
        resources: { cpu: json('8'), memory: '56Gi' }
      }]
    }
  }
}]

output workerName string = worker.name
output trainerJobNames array = [for (rep, i) in trainRepresentations: trainers[i].name]
output environmentName string = environment.name
