#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK and NuGet packages. Idempotent; needs root (apt).
#  - libvlfeat1: VLFeat 0.9.21 (libvl.so.1), the reference the extractors are tested against.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! ldconfig -p | grep -q 'libvl\.so\.1'; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libvlfeat1 >/dev/null
fi
ldconfig -p | grep -q 'libvl\.so\.1' || { echo "libvl.so.1 still missing after install" >&2; exit 1; }
