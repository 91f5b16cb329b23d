#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK and NuGet packages. Idempotent; needs root (apt).
#  - libvlfeat1: VLFeat 0.9.21 (libvl.so.1), the reference the extractors are tested against.
#  - Azurite 3.37.0 (npm, into .tools/azurite): real Blob and Queue storage for the pipeline's integration tests.
#  - unzip, curl: to unpack the bicep CLI from NuGet for infra/validate.sh.
#  - fonts-dejavu-core: the font of ScottPlot figures and contact-sheet headers.
#  - time (GNU time): the fault-injection tests read each CLI run's peak RSS from it.
set -euo pipefail
# (grep reads all of ldconfig's output: with grep -q, ldconfig may die of SIGPIPE and pipefail fails the check)
export DEBIAN_FRONTEND=noninteractive

if ! ldconfig -p | grep 'libvl\.so\.1' >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libvlfeat1 >/dev/null
fi
ldconfig -p | grep 'libvl\.so\.1' >/dev/null || { echo "libvl.so.1 still missing after install" >&2; exit 1; }

cd "$(dirname "$0")/.."
if ! command -v unzip >/dev/null || ! command -v curl >/dev/null || ! command -v npm >/dev/null || [ ! -x /usr/bin/time ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends unzip curl npm time fonts-dejavu-core >/dev/null
fi
if [ ! -x .tools/azurite/node_modules/.bin/azurite ]; then
  mkdir -p .tools/azurite
  npm install --silent --no-audit --no-fund --prefix .tools/azurite azurite@3.37.0 >/dev/null
fi
.tools/azurite/node_modules/.bin/azurite --version >/dev/null || { echo "azurite does not run" >&2; exit 1; }
