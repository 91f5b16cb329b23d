#!/usr/bin/env bash
# Validates the infrastructure without Azure: compiles the Bicep with the bicep CLI from NuGet
# (Azure.Bicep.CommandLine.linux-x64; linter warnings fail too, infra/bicepconfig.json turns on use-recent-api-versions) and publishes the projects the Dockerfiles build.
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
out=$("$tools/tools/bicep" build-params infra/main.bicepparam --stdout 2>&1 >/dev/null) || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "bicep reported:"; echo "$out"; exit 1; } >&2
echo "bicep build-params infra/main.bicepparam: ok"
# azure.yaml: every project, Dockerfile and hook it names exists; hook scripts parse.
for f in functions/FeatureInversion.Functions.csproj trainer/Worker/FeatureInversion.Worker.csproj infra/docker/worker.Dockerfile infra/scripts/postdeploy.sh; do
  [ -e "$f" ] || { echo "azure.yaml names $f, which is missing" >&2; exit 1; }
done
(cd trainer/Worker && [ -e ../../infra/docker/worker.Dockerfile ]) || { echo "azure.yaml: worker docker.path does not resolve" >&2; exit 1; }
for f in infra/scripts/*.sh; do sh -n "$f"; done
echo "azure.yaml paths and hooks: ok"
# The Dockerfiles' projects, published as the images do (trainer and worker ReadyToRun for linux-x64; CPU libtorch
# here: the CUDA package is not served on this machine).
images="-r linux-x64 --self-contained false -p:PublishReadyToRun=true"
# dotnet writes its errors to standard output: it goes to a log whose end is shown when a publish fails. A restore
# that could not reach the registry (NU1301) is tried once more. The outputs (half a gigabyte each with libtorch) are
# removed once published: only whether they publish is checked here.
publish() {
  local name=$1 log=.tools/publish/$1.log; shift
  mkdir -p .tools/publish
  for attempt in 1 2; do
    if dotnet publish "$@" -c Release -o ".tools/publish/$name" > "$log" 2>&1; then
      rm -rf ".tools/publish/$name"
      return 0
    fi
    [ "$attempt" = 1 ] && grep -q NU1301 "$log" && { echo "dotnet publish $name: registry unreachable, once more" >&2; continue; }
    break
  done
  echo "dotnet publish $name failed; the end of $log:" >&2
  tail -40 "$log" >&2
  exit 1
}
publish functions functions/FeatureInversion.Functions.csproj
publish trainer trainer/FeatureInversion.Trainer.csproj $images
publish worker trainer/Worker/FeatureInversion.Worker.csproj $images
echo "dotnet publish functions, trainer, worker: ok"
