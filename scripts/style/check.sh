#!/usr/bin/env bash
# Checks the code style without changing anything: layout (CSharpier, 120 columns), then the .editorconfig code
# style and the analyzers (dotnet format). Run `bash scripts/style/format.sh` to fix what it reports.
# The whitespace pass of dotnet format is not run: CSharpier owns layout, and the two indent wrapped lines differently.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
dotnet csharpier check .
dotnet format style Serverless.sln --verify-no-changes
dotnet format analyzers Serverless.sln --verify-no-changes
