#!/usr/bin/env bash
# Validates the infrastructure without Azure: compiles the Bicep with the bicep CLI from NuGet
# (Azure.Bicep.CommandLine.linux-x64; linter warnings fail too) and publishes the projects the Dockerfiles build.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.49.2
tools=.tools/bicep-$version
if [ ! -x "$tools/tools/bicep" ]; then
  mkdir -p "$tools"
  curl -sSfL -o "$tools/bicep.nupkg" "https://api.nuget.org/v3-flatcontainer/azure.bicep.commandline.linux-x64/$version/azure.bicep.commandline.linux-x64.$version.nupkg"
  (cd "$tools" && unzip -q -o bicep.nupkg && chmod +x tools/bicep)
fi
out=$("$tools/tools/bicep" build infra/main.bicep --stdout 2>&1 >/dev/null) || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "bicep reported:"; echo "$out"; exit 1; } >&2
echo "bicep build infra/main.bicep: ok"
# The Dockerfiles' projects (CPU libtorch here: the CUDA package is not served on this machine).
dotnet publish functions/FeatureInversion.Functions.csproj -c Release -o .tools/publish/functions >/dev/null
dotnet publish trainer/FeatureInversion.Trainer.csproj -c Release -o .tools/publish/trainer >/dev/null
dotnet publish trainer/Worker/FeatureInversion.Worker.csproj -c Release -o .tools/publish/worker >/dev/null
echo "dotnet publish functions, trainer, worker: ok"
