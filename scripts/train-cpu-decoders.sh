#!/usr/bin/env bash
# Trains the shipped CPU-scale decoders (64x64 images, width 1/4) for HOG, SIFT and LBP on the photographs of
# scripts/fetch-photos.sh and writes them to models/. Usage: bash scripts/train-cpu-decoders.sh [PHOTOS] [MODELS]
# About 15 minutes on 2 cores (100k cached crops each; the SIFT-grid cache takes 6.8 GB of disk and RAM). Colour jitter (chroma rotated/rescaled, luminance kept) on every training crop:
# with ~100 photos the decoders otherwise memorise the photos' palettes (see docs/results.md).
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
    --eval-every 500 --color-jitter 1.0 --cache "${FEATURE_CACHE:-data/feature-cache}"
}
run hog 2500 100000
run sift-grid 2500 60000  # 60k: one float16 array holds at most 2^31 values (133x16x16 each)
run lbp 2500 100000
