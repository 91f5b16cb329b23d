# Scheduled trainer job: downloads the training container, trains, evaluates and publishes a decoder version.
# Build from the repository root:  docker build -f infra/docker/trainer.Dockerfile -t <registry>/fi-trainer .
# The trainer CLI, started with 'retrain <representation> [options]' by the Container Apps job.
# Base images by digest, as in worker.Dockerfile (refresh both with infra/scripts/pin-images.sh).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@sha256:a365ce6a50b09176855d085c69da3fc1204a48432e36087e9a208f6e5860e235

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
# TorchSharp-cuda-linux bundles the CUDA runtime, cuBLAS and cuDNN (worker.Dockerfile); ReadyToRun as the worker.
RUN dotnet publish trainer/FeatureInversion.Trainer.csproj -c Release -o /app -p:TorchBackend=cuda \
    -r linux-x64 --self-contained false -p:PublishReadyToRun=true

FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# Without 'compute' the NVIDIA container runtime does not mount libcuda (worker.Dockerfile).
ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
# Not root: the image's 'app' user; a writable home for the photo cache, checkpoints and temporary files.
USER $APP_UID
ENV HOME=/home/app Pipeline__ModelCacheDirectory=/home/app/models
ENTRYPOINT ["dotnet", "FeatureInversion.Trainer.dll"]
CMD ["retrain", "hog"]
