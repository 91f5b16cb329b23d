// Parameters for infra/main.bicep. azd fills AZURE_LOCATION and AZURE_ENV_NAME; the others may be set with
// `azd env set NAME value` (or exported before `az deployment group create -p infra/main.bicepparam`).
using 'main.bicep'

param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'finv')
// 3-11 lowercase characters; part of every resource name.
param prefix = readEnvironmentVariable('PIPELINE_PREFIX', 'finv')
param representations = ['hog', 'sift-grid', 'lbp']
param trainDayOfWeek = '0'
param trainHour = 3
// Premium (default): artifact streaming for the worker's cold start; Basic: cheaper, whole-image pulls.
param registrySku = readEnvironmentVariable('REGISTRY_SKU', 'Premium')
// The signed-in user azd deploys as (azd sets AZURE_PRINCIPAL_ID): data roles to upload and seed decoders.
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
// Placeholders until the first deploy; azd deploy (worker) and infra/scripts/postdeploy.sh (trainer) replace them.
param workerImage = readEnvironmentVariable('SERVICE_WORKER_IMAGE_NAME', 'mcr.microsoft.com/k8se/quickstart:latest')
param trainerImage = readEnvironmentVariable('TRAINER_IMAGE_NAME', 'mcr.microsoft.com/k8se/quickstart:latest')
// Entra ID app registration for reading results (API and gallery); postdeploy.sh creates it and sets this. Empty: closed (401).
param resultsAuthClientId = readEnvironmentVariable('RESULTS_AUTH_CLIENT_ID', '')
// Operations (infra/modules/alerts.bicep): alerts on failed jobs and a queue no worker consumes, mailed to this
// address; a monthly budget (billing currency) notified at 80 % actual and 100 % forecast. Empty / 0: none.
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
param monthlyBudget = int(readEnvironmentVariable('MONTHLY_BUDGET', '0'))
