# Decoder worker (GPU): consumes reconstruction jobs from Service Bus and writes results to Blob Storage.
# Build from the repository root:  docker build -f infra/docker/worker.Dockerfile -t <registry>/fi-worker .
# Runs on CPU too when no GPU is present (Pipeline__Device=auto, the default, decides).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish trainer/Worker/FeatureInversion.Worker.csproj -c Release -o /app -p:TorchBackend=cuda

# CUDA runtime + cuDNN on Ubuntu 22.04 (libstdc++ lacks GLIBCXX_3.4.32: the build weakened that need, see docs/platform.md).
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl libicu70 libgomp1 fonts-dejavu-core \
 && curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0 --runtime dotnet --install-dir /usr/share/dotnet \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV DOTNET_gcServer=1
ENTRYPOINT ["dotnet", "FeatureInversion.Worker.dll"]
