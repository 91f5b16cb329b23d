#!/usr/bin/env bash
# Runs the whole test suite: validates the infrastructure (bicep build, publish of the Dockerfiles' projects), checks
# the code style, fuzzes the .npy and image parsers briefly (afl++), then builds every project of Serverless.sln in
# Release and runs all tests (Azurite is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/install-test-deps.sh
bash infra/validate.sh
# Code style: CSharpier layout at 120 columns, .editorconfig naming and code style, analyzers (scripts/style/).
bash scripts/style/check.sh
# Short fuzz runs from the committed seeds (afl++ through SharpFuzz); a crash or hang fails the suite.
bash scripts/fuzz.sh npy 30
bash scripts/fuzz.sh image 60
dotnet test Serverless.sln -c Release
