#!/usr/bin/env bash
# Trains the shipped CPU-scale decoders (64x64 images, width 1/4) for HOG, SIFT and LBP on the photographs of
# scripts/fetch-photos.sh and writes them to models/. Usage: bash scripts/train-cpu-decoders.sh [PHOTOS] [MODELS]
# About half an hour on 2 cores. Steps per representation are set for roughly equal wall-clock time.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
models="${2:-models}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
dotnet build trainer -c Release >/dev/null
run() {
  local rep="$1" steps="$2" samples="$3"
  dotnet run --project trainer -c Release --no-build -- train "$rep" \
    --train "$photos/train" --test "$photos/test" -o "$models/$rep-64px-w0.25" \
    --size 64 --width 0.25 --steps "$steps" --samples "$samples" --batch 64 --lr 0.001 --seed 1 \
    --eval-every 1000 --cache "${FEATURE_CACHE:-data/feature-cache}"
}
run hog 8000 40000
run sift-grid 6000 20000
run lbp 8000 40000
