# Scheduled trainer job: downloads the training container, trains, evaluates and publishes a decoder version.
# Build from the repository root:  docker build -f infra/docker/trainer.Dockerfile -t <registry>/fi-trainer .
# The trainer CLI, started with 'retrain <representation> [options]' by the Container Apps job.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish trainer/FeatureInversion.Trainer.csproj -c Release -o /app -p:TorchBackend=cuda

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl libicu70 libgomp1 fonts-dejavu-core \
 && curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0 --runtime dotnet --install-dir /usr/share/dotnet \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["dotnet", "FeatureInversion.Trainer.dll"]
CMD ["retrain", "hog"]
