#!/usr/bin/env bash
# Formats the code: comments and string literals over 120 columns wrapped (CSharpier breaks neither), layout by
# CSharpier, then dotnet format's code-style and analyzer fixes. scripts/style/check.sh verifies the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
mapfile -t files < <(git ls-files '*.cs')
python3 scripts/style/wrap_comments.py "${files[@]}"
python3 scripts/style/split_strings.py "${files[@]}"
dotnet csharpier format .
python3 scripts/style/wrap_comments.py "${files[@]}"
dotnet format style Serverless.sln
dotnet format analyzers Serverless.sln
