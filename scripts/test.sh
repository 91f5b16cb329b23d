#!/usr/bin/env bash
# Runs the whole test suite: validates the infrastructure (bicep build, publish of the Dockerfiles' projects),
# then builds every project of Serverless.sln in Release and runs all tests (Azurite is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/install-test-deps.sh
bash infra/validate.sh
dotnet test Serverless.sln -c Release
