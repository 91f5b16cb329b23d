#!/usr/bin/env bash
# Runs the whole test suite (builds every project of Serverless.sln in Release first).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/install-test-deps.sh
dotnet test Serverless.sln -c Release
