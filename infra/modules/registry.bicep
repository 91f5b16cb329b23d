// The container registry the worker and trainer images are pushed to (by azd deploy, or az acr build) and pulled
// from with the apps' managed identities (AcrPull): no admin user, no anonymous pull.
@description('Registry name (5-50 alphanumerics, globally unique).')
param name string
@description('Azure region.')
param location string
@description('Premium streams image layers on demand (artifact streaming), which the serverless GPU docs recommend for the worker\'s cold start from zero; Basic costs less and pulls the whole multi-GB image first.')
@allowed(['Basic', 'Standard', 'Premium'])
param sku string = 'Premium'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  sku: { name: sku }
  properties: { adminUserEnabled: false, anonymousPullEnabled: false }
}

output name string = registry.name
output id string = registry.id
output loginServer string = registry.properties.loginServer
output sku string = registry.sku.name
