#!/bin/sh
# azd postdeploy hook (azure.yaml): the parts azd's service model does not cover.
# 1. The trainer image: built in the registry (no local Docker, CUDA base image) and set on every scheduled job.
# 2. First deployment only: provision again with the Event Grid subscription, now that the function host is up and
#    its blobs_extension key exists (infra/modules/eventgrid.bicep).
# Needs the Azure CLI signed in (azd's own sign-in does not cover `az`).
set -eu
: "${AZURE_RESOURCE_GROUP:?run through azd (azd env get-values provides it)}"
: "${AZURE_CONTAINER_REGISTRY_NAME:?}" "${AZURE_CONTAINER_REGISTRY_ENDPOINT:?}" "${TRAINER_JOBS:?}"
tag="trainer:azd-$(date -u +%Y%m%d%H%M%S)"
az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "$tag" --file infra/docker/trainer.Dockerfile . --only-show-errors
image="$AZURE_CONTAINER_REGISTRY_ENDPOINT/$tag"
for job in $TRAINER_JOBS; do
  az containerapp job update --resource-group "$AZURE_RESOURCE_GROUP" --name "$job" --image "$image" --only-show-errors >/dev/null
  echo "trainer job $job -> $image"
done
azd env set TRAINER_IMAGE_NAME "$image"
if [ "${DEPLOY_EVENT_SUBSCRIPTION:-false}" != "true" ]; then
  azd env set DEPLOY_EVENT_SUBSCRIPTION true
  azd provision --no-prompt
fi
