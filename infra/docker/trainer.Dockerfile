# Scheduled trainer job: downloads the training container, trains, evaluates and publishes a decoder version.
# Build from the repository root:  docker build -f infra/docker/trainer.Dockerfile -t <registry>/fi-trainer .
# The trainer CLI, started with 'retrain <representation> [options]' by the Container Apps job.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: compiled ahead, so a replica started from zero does not wait for the JIT (the same code as the CLI:
# 0.75x wall on a 6-file pipeline run, 1.01x on 268 photos, +120 MiB peak RSS; docs/benchmarks.md).
RUN dotnet publish trainer/FeatureInversion.Trainer.csproj -c Release -o /app -p:TorchBackend=cuda \
    -r linux-x64 --self-contained false -p:PublishReadyToRun=true

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
ENTRYPOINT ["dotnet", "FeatureInversion.Trainer.dll"]
CMD ["retrain", "hog"]
