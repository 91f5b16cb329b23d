#!/bin/sh
# azd postdeploy hook (azure.yaml): the parts azd's service model does not cover, most important first, so that a
# step a tenant forbids cannot leave uploads without a trigger.
# 1. The Event Grid subscription from the images container to the function app's ImageUploaded trigger. Its webhook
#    needs the function host's blobs_extension system key, which exists once the deployed code has started: read
#    with `az functionapp keys list` and subscribed with `az eventgrid system-topic event-subscription create`, as
#    Azure's functions-quickstart-dotnet-azd-eventgrid-blob sample does. Events still undelivered after 30 attempts
#    or 24 hours go to the events-deadletter container, written with the system topic's identity (shared keys are
#    off); they name the image blob, to upload again.
# 2. Seeding: the shipped decoders (models/*/manifest.json, models/128px/*) published to the models container
#    through the quality gate (`publish`), with the deployer's Blob Data Contributor role (main.bicep gives it to
#    AZURE_PRINCIPAL_ID). Training photos are uploaded from data/photos/{train,test} to training/{train,test}/ when
#    those folders exist (scripts/fetch-photos.sh); until some are, the scheduled retrain jobs fail with "no photos".
# 3. The trainer image: built in the registry and set on every scheduled job; with a Premium registry, artifact
#    streaming for the worker's and trainer's repositories.
# 4. Optional, last: with RESULTS_CREATE_APP_REGISTRATION=true, an Entra ID app registration for reading results
#    (many tenants forbid creating one; a failure here is reported, not fatal). Until RESULTS_AUTH_CLIENT_ID is set,
#    the results API and gallery answer 401.
# Needs the Azure CLI signed in (azd's own sign-in does not cover `az`) and the .NET SDK (for `publish`).
set -eu
: "${AZURE_RESOURCE_GROUP:?run through azd (azd env get-values provides it)}"
: "${AZURE_CONTAINER_REGISTRY_NAME:?}" "${AZURE_CONTAINER_REGISTRY_ENDPOINT:?}" "${TRAINER_JOBS:?}" "${FUNCTIONS_HOST:?}"
: "${FUNCTIONS_APP_NAME:?}" "${EVENTGRID_TOPIC:?}" "${DATA_BLOB_ENDPOINT:?}" "${DATA_ACCOUNT_ID:?}" "${WORKER_APP:?}"

# 1. Event Grid subscription.
key=""
attempt=1
while [ -z "$key" ] && [ "$attempt" -le 30 ]; do
  key=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$FUNCTIONS_APP_NAME" \
    --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)
  if [ -z "$key" ]; then echo "waiting for the function host's blobs_extension key ($attempt/30)"; sleep 10; fi
  attempt=$((attempt + 1))
done
[ -n "$key" ] || { echo "error: $FUNCTIONS_APP_NAME has no blobs_extension key after 5 minutes; is its code deployed and running?" >&2; exit 1; }
az eventgrid system-topic event-subscription create --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENTGRID_TOPIC" --name images-to-ingestion --endpoint-type webhook \
  --endpoint "https://$FUNCTIONS_HOST/runtime/webhooks/blobs?functionName=Host.Functions.ImageUploaded&code=$key" \
  --included-event-types Microsoft.Storage.BlobCreated --subject-begins-with /blobServices/default/containers/images/ \
  --max-events-per-batch 1 --max-delivery-attempts 30 --event-ttl 1440 \
  --deadletter-identity systemassigned \
  --deadletter-identity-endpoint "$DATA_ACCOUNT_ID/blobServices/default/containers/events-deadletter" \
  --only-show-errors >/dev/null
echo "event grid: $EVENTGRID_TOPIC (images) -> $FUNCTIONS_APP_NAME ImageUploaded"

# 2. Seeding. Role assignments take a few minutes to apply: publish is retried.
decoders=$(for m in models/*/manifest.json models/128px/*/manifest.json; do [ -f "$m" ] && dirname "$m"; done)
attempt=1
until Pipeline__Storage=azure Pipeline__BlobServiceUri="$DATA_BLOB_ENDPOINT" \
    dotnet run --project trainer -c Release -- publish $decoders; do
  [ "$attempt" -lt 6 ] || { echo "error: publishing the shipped decoders failed 6 times (does the deployer hold Blob Data Contributor on models?)" >&2; exit 1; }
  echo "publish failed (role assignments may still be applying); retrying in 30 s ($attempt/6)"; sleep 30
  attempt=$((attempt + 1))
done
# The retrain jobs read training/train/ and training/test/ (TrainingPhotos.Splits): each split to its own prefix.
account=$(echo "$DATA_BLOB_ENDPOINT" | sed -E 's#https://([^.]+)\..*#\1#')
if [ -d data/photos/train ] && [ -d data/photos/test ]; then
  for split in train test; do
    az storage blob upload-batch --auth-mode login --account-name "$account" --destination training \
      --destination-path "$split" --source "data/photos/$split" --overwrite false --only-show-errors >/dev/null
  done
  echo "training photos: data/photos/train and data/photos/test uploaded to training/train/ and training/test/"
else
  echo "warning: no data/photos/train and data/photos/test (bash scripts/fetch-photos.sh data/photos); the retrain jobs fail until photos are in training/train/ and training/test/" >&2
fi

# 3. The trainer image.
tag="trainer:azd-$(date -u +%Y%m%d%H%M%S)"
# ACR Tasks stop a build after 3600 s by default; restoring TorchSharp-cuda-linux (~2.5 GB) and pushing a multi-GB
# image on a task's 2 vCPUs can come near that, so the build may run 2 hours.
az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "$tag" --file infra/docker/trainer.Dockerfile . \
  --timeout 7200 --only-show-errors
image="$AZURE_CONTAINER_REGISTRY_ENDPOINT/$tag"
for job in $TRAINER_JOBS; do
  az containerapp job update --resource-group "$AZURE_RESOURCE_GROUP" --name "$job" --image "$image" --only-show-errors >/dev/null
  echo "trainer job $job -> $image"
done
azd env set TRAINER_IMAGE_NAME "$image"

# Premium registry: artifact streaming for the worker's and the trainer's repositories (layers pulled on demand, a
# shorter cold start from zero), for the images pushed so far and the next ones. A preview CLI command: a failure
# here is reported, not fatal.
if [ "${AZURE_CONTAINER_REGISTRY_SKU:-}" = "Premium" ]; then
  worker_image=$(az containerapp show --resource-group "$AZURE_RESOURCE_GROUP" --name "$WORKER_APP" \
    --query "properties.template.containers[0].image" -o tsv)
  for ref in "${worker_image#"$AZURE_CONTAINER_REGISTRY_ENDPOINT"/}" "$tag"; do
    repository=${ref%%:*}
    if az acr artifact-streaming update --name "$AZURE_CONTAINER_REGISTRY_NAME" --repository "$repository" \
        --enable-streaming true --only-show-errors >/dev/null \
      && az acr artifact-streaming create --name "$AZURE_CONTAINER_REGISTRY_NAME" --image "$ref" \
        --only-show-errors >/dev/null; then
      echo "artifact streaming: $repository"
    else
      echo "warning: artifact streaming not enabled for $repository (images are pulled whole)" >&2
    fi
  done
fi

# 4. Optional: who may read results.
if [ -z "${RESULTS_AUTH_CLIENT_ID:-}" ] && [ "${RESULTS_CREATE_APP_REGISTRATION:-false}" = "true" ]; then
  if app_id=$(az ad app create --display-name "${PIPELINE_PREFIX:-finv}-results" --sign-in-audience AzureADMyOrg \
      --web-redirect-uris "https://$FUNCTIONS_HOST/.auth/login/aad/callback" --enable-id-token-issuance true --query appId -o tsv) \
    && az ad app update --id "$app_id" --identifier-uris "api://$app_id" \
    && az ad sp create --id "$app_id" --only-show-errors >/dev/null \
    && az ad sp update --id "$app_id" --set appRoleAssignmentRequired=true; then
    azd env set RESULTS_AUTH_CLIENT_ID "$app_id"
    echo "results sign-in: app registration $app_id (assign readers to it in Entra ID); applying it"
    azd provision --no-prompt
  else
    echo "warning: no app registration could be created (the tenant may forbid it); set RESULTS_AUTH_CLIENT_ID to an existing one and run azd provision" >&2
  fi
elif [ -z "${RESULTS_AUTH_CLIENT_ID:-}" ]; then
  echo "results API closed (401) until RESULTS_AUTH_CLIENT_ID is set (or RESULTS_CREATE_APP_REGISTRATION=true); uploads are processed meanwhile"
fi
