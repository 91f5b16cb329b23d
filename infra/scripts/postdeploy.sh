#!/bin/sh
# azd postdeploy hook (azure.yaml): the parts azd's service model does not cover.
# 1. The trainer image: built in the registry (no local Docker, CUDA base image) and set on every scheduled job.
# 2. Who may read results: an Entra ID app registration (sign-in with ID tokens, no secret) whose users must be
#    assigned, created once and passed to App Service authentication (RESULTS_AUTH_CLIENT_ID; until then the results
#    API and gallery answer 401). Assign readers in Entra ID > Enterprise applications > <prefix>-results > Users.
# 3. First deployment only: provision again with the Event Grid subscription, now that the function host is up and
#    its blobs_extension key exists (infra/modules/eventgrid.bicep).
# Needs the Azure CLI signed in (azd's own sign-in does not cover `az`).
set -eu
: "${AZURE_RESOURCE_GROUP:?run through azd (azd env get-values provides it)}"
: "${AZURE_CONTAINER_REGISTRY_NAME:?}" "${AZURE_CONTAINER_REGISTRY_ENDPOINT:?}" "${TRAINER_JOBS:?}" "${FUNCTIONS_HOST:?}"
tag="trainer:azd-$(date -u +%Y%m%d%H%M%S)"
az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "$tag" --file infra/docker/trainer.Dockerfile . --only-show-errors
image="$AZURE_CONTAINER_REGISTRY_ENDPOINT/$tag"
for job in $TRAINER_JOBS; do
  az containerapp job update --resource-group "$AZURE_RESOURCE_GROUP" --name "$job" --image "$image" --only-show-errors >/dev/null
  echo "trainer job $job -> $image"
done
azd env set TRAINER_IMAGE_NAME "$image"

reprovision=false
if [ -z "${RESULTS_AUTH_CLIENT_ID:-}" ]; then
  app_id=$(az ad app create --display-name "${PIPELINE_PREFIX:-finv}-results" --sign-in-audience AzureADMyOrg \
    --web-redirect-uris "https://$FUNCTIONS_HOST/.auth/login/aad/callback" --enable-id-token-issuance true --query appId -o tsv)
  az ad app update --id "$app_id" --identifier-uris "api://$app_id"
  az ad sp create --id "$app_id" --only-show-errors >/dev/null
  az ad sp update --id "$app_id" --set appRoleAssignmentRequired=true
  azd env set RESULTS_AUTH_CLIENT_ID "$app_id"
  echo "results sign-in: app registration $app_id (assign readers to it in Entra ID)"
  reprovision=true
fi
if [ "${DEPLOY_EVENT_SUBSCRIPTION:-false}" != "true" ]; then
  azd env set DEPLOY_EVENT_SUBSCRIPTION true
  reprovision=true
fi
if [ "$reprovision" = true ]; then azd provision --no-prompt; fi
