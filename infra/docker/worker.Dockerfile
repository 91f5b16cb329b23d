# Decoder worker (GPU): consumes reconstruction jobs from Service Bus and writes results to Blob Storage.
# Build from the repository root:  docker build -f infra/docker/worker.Dockerfile -t <registry>/fi-worker .
# Runs on CPU too when no GPU is present (Pipeline__Device=auto, the default, decides).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: compiled ahead, so a replica started from zero does not wait for the JIT (the same code as the CLI:
# 0.75x wall on a 6-file pipeline run, 1.01x on 268 photos, +120 MiB peak RSS; docs/benchmarks.md).
RUN dotnet publish trainer/Worker/FeatureInversion.Worker.csproj -c Release -o /app -p:TorchBackend=cuda \
    -r linux-x64 --self-contained false -p:PublishReadyToRun=true

# CUDA runtime + cuDNN on Ubuntu 22.04 (libstdc++ lacks GLIBCXX_3.4.32: the build weakened that need, see docs/platform.md).
# The .NET runtime comes from Microsoft's runtime image (a pinned tag, no install script piped into a shell); its
# binaries are distribution-independent and need only ICU and the C++ runtime from the CUDA image's Ubuntu.
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS dotnet

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu70 libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build /app .
# Not root: the process needs only its own files and a writable home for the model cache and temporary files.
USER 10001
ENV HOME=/home/app Pipeline__ModelCacheDirectory=/home/app/models
ENV DOTNET_gcServer=1 Pipeline__HealthPort=8080
# Health endpoint for the container probes (/healthz/live, /healthz/ready; infra/modules/containerapps.bicep).
EXPOSE 8080
ENTRYPOINT ["dotnet", "FeatureInversion.Worker.dll"]
