#!/bin/sh
# Pins the Dockerfiles' .NET base images to the current digest of their tags: asks mcr.microsoft.com (registry API,
# anonymous) for the multi-platform index digest of dotnet/sdk:10.0 and dotnet/runtime:10.0 and rewrites the
# SDK_IMAGE / RUNTIME_IMAGE lines of infra/docker/*.Dockerfile. Run it (and rebuild) to take a .NET patch release.
set -eu
cd "$(dirname "$0")/../.."
accept="application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json"
digest() {
  curl -sSfI -H "Accept: $accept" "https://mcr.microsoft.com/v2/dotnet/$1/manifests/10.0" \
    | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}
sdk=$(digest sdk)
runtime=$(digest runtime)
case "$sdk$runtime" in *sha256:*sha256:*) ;; *) echo "error: no digest from mcr.microsoft.com ($sdk, $runtime)" >&2; exit 1;; esac
for f in infra/docker/*.Dockerfile; do
  sed -i -E "s#^ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:[0-9a-f]+#ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@$sdk#; s#^ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@sha256:[0-9a-f]+#ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@$runtime#" "$f"
done
echo "dotnet/sdk:10.0@$sdk"
echo "dotnet/runtime:10.0@$runtime"
