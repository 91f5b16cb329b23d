# Decoder worker (GPU): consumes reconstruction jobs from Service Bus and writes results to Blob Storage.
# Build from the repository root:  docker build -f infra/docker/worker.Dockerfile -t <registry>/fi-worker .
# Base images by digest (a tag moves; the image tested is the image deployed). The digests are the multi-platform
# index digests of the 10.0 tags as pinned in public Dockerfiles (this machine cannot reach the registry);
# infra/scripts/pin-images.sh asks mcr.microsoft.com for the tags' current digests and rewrites these lines.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@sha256:a365ce6a50b09176855d085c69da3fc1204a48432e36087e9a208f6e5860e235

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
# TorchSharp-cuda-linux: libtorch 2.10 for CUDA 12.8 with its CUDA runtime, cuBLAS, cuDNN 9 and NVRTC bundled, so the
# image needs no CUDA base, only the host's driver. ReadyToRun: compiled ahead, so a replica started from zero does not
# wait for the JIT (the same code as the CLI: 0.75x wall on a 6-file pipeline run, 1.01x on 268 photos, +120 MiB peak
# RSS; docs/benchmarks.md).
RUN dotnet publish trainer/Worker/FeatureInversion.Worker.csproj -c Release -o /app -p:TorchBackend=cuda \
    -r linux-x64 --self-contained false -p:PublishReadyToRun=true

# Ubuntu 24.04 (the 10.0 tag): its libstdc++ has the GLIBCXX versions libtorch needs (docs/platform.md).
FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The NVIDIA container runtime mounts the driver's libraries only for the capabilities asked for; unset, it mounts
# 'utility' (nvidia-smi) and not 'compute' (libcuda), and CUDA would not load. The CUDA images set these two.
ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
# Not root: the image's 'app' user (APP_UID); the process needs only its own files and a writable home for the model
# cache and temporary files.
USER $APP_UID
ENV HOME=/home/app Pipeline__ModelCacheDirectory=/home/app/models
ENV DOTNET_gcServer=1 Pipeline__HealthPort=8080
# Two malloc arenas instead of glibc's eight per core: photos decoded on many thread-pool threads otherwise leave
# their freed buffers fragmented across arenas (1,000 photos: peak 1,211 -> 793-921 MiB, docs/benchmarks.md). Only
# an environment setting works: glibc fixes its arena limit before Main could call mallopt.
ENV MALLOC_ARENA_MAX=2
# Health endpoint for the container probes (/healthz/live, /healthz/ready; infra/modules/containerapps.bicep).
EXPOSE 8080
ENTRYPOINT ["dotnet", "FeatureInversion.Worker.dll"]
