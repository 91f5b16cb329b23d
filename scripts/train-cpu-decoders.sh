#!/usr/bin/env bash
# Trains the shipped CPU-scale decoders (width 1/4: the paper's Tables 3-5 with a quarter of the channels) for HOG,
# SIFT-grid and LBP at 64x64 and HOG at 128x128 on the photographs of scripts/fetch-photos.sh, streaming fresh random
# crops every step, and writes them to MODELS. Usage: bash scripts/train-cpu-decoders.sh [PHOTOS] [MODELS] [TRAINER]
# TRAINER: a frozen build's FeatureInversion.Trainer.dll (default: builds and runs the project).
# Colour jitter 0.5: half the crops get their chroma rotated and rescaled (luminance kept), see docs/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
models="${2:-models}"
trainer="${3:-}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
if [ -z "$trainer" ]; then dotnet build trainer -c Release >/dev/null; trainer=trainer/bin/Release/net10.0/FeatureInversion.Trainer.dll; fi
run() {
  local rep="$1" size="$2" steps="$3" out="$models"; shift 3
  [ "$size" = 64 ] || out="$models/${size}px"   # the pipeline publishes the top-level (64 px) decoders only
  [ "$rep" != sift-grid-colmap ] || out="$models/colmap"   # for leaked COLMAP databases (reconstruct, audit), not published
  [ "$rep" != sift-grid-opencv ] || out="$models/opencv"   # for leaked OpenCV keypoint files (reconstruct, audit), not published
  dotnet "$trainer" train "$rep" \
    --train "$photos/train" --test "$photos/test" -o "$out/$rep-${size}px-w0.25" \
    --size "$size" --width 0.25 --steps "$steps" --batch 64 --lr 0.001 --seed 1 \
    --eval-every 1000 --color-jitter 0.5 --cache "${FEATURE_CACHE:-data/cache}" "$@"
}
run hog 64 20000
run sift-grid 64 3000 --loader-threads 2
run sift-grid-colmap 64 3000 --loader-threads 2
run sift-grid-opencv 64 3000 --loader-threads 2
run lbp 64 16000   # 4000 until 2026-12-06 (docs/results.md, "More steps")
run hog 128 1500
