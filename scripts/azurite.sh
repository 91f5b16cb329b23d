#!/usr/bin/env bash
# Starts Azurite (Blob and Queue storage emulator) in the foreground on its default ports, for `pipeline --azurite`:
#   bash scripts/azurite.sh            # in-memory: nothing is kept after it stops
#   bash scripts/azurite.sh --keep     # data kept in .azurite/ (ignored by git)
# Installs Azurite 3.37.0 into .tools/azurite first if it is missing (npm).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .tools/azurite/node_modules/.bin/azurite ]; then
  mkdir -p .tools/azurite
  npm install --silent --no-audit --no-fund --prefix .tools/azurite azurite@3.37.0 >/dev/null
fi
if [ "${1:-}" = "--keep" ]; then
  exec .tools/azurite/node_modules/.bin/azurite --silent --skipApiVersionCheck --location .azurite
fi
exec .tools/azurite/node_modules/.bin/azurite --silent --skipApiVersionCheck --inMemoryPersistence
