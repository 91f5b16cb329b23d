#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK and NuGet packages. Idempotent; needs root (apt).
#  - libvlfeat1: VLFeat 0.9.21 (libvl.so.1), the reference the extractors are tested against.
#  - afl++ (Debian 4.04c): the fuzz harnesses (scripts/fuzz.sh).
#  - Azurite 3.37.0 (npm, into .tools/azurite): real Blob and Queue storage for the pipeline's integration tests.
#  - unzip, curl: to unpack the bicep CLI from NuGet for infra/validate.sh.
#  - fonts-dejavu-core: the font of ScottPlot figures and contact-sheet headers.
#  - time (GNU time): the fault-injection tests read each CLI run's peak RSS from it.
#  - chromium (Debian's, headless): the gallery is checked in a real browser (GalleryBrowserTests).
set -euo pipefail
# (grep reads all of ldconfig's output: with grep -q, ldconfig may die of SIGPIPE and pipefail fails the check)
export DEBIAN_FRONTEND=noninteractive

if ! ldconfig -p | grep 'libvl\.so\.1' >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libvlfeat1 >/dev/null
fi
ldconfig -p | grep 'libvl\.so\.1' >/dev/null || { echo "libvl.so.1 still missing after install" >&2; exit 1; }

cd "$(dirname "$0")/.."
# Only what is missing: a machine whose node comes from elsewhere (NodeSource's nodejs bundles npm) would refuse
# Debian's npm as a conflict, and one failed name fails the whole apt-get install.
missing=()
command -v unzip >/dev/null || missing+=(unzip)
command -v curl >/dev/null || missing+=(curl)
command -v npm >/dev/null || missing+=(npm)
[ -x /usr/bin/time ] || missing+=(time)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v chromium >/dev/null || missing+=(chromium)
command -v afl-fuzz >/dev/null || missing+=(afl++)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x .tools/azurite/node_modules/.bin/azurite ]; then
  mkdir -p .tools/azurite
  npm install --silent --no-audit --no-fund --prefix .tools/azurite azurite@3.37.0 >/dev/null
fi
.tools/azurite/node_modules/.bin/azurite --version >/dev/null || { echo "azurite does not run" >&2; exit 1; }
