#!/usr/bin/env bash
# Trains the shipped ResNet18 layer decoders (64x64, width 1/4; Table 6 for conv1/res3/res5, Table 7 for pool5) on
# the photographs of scripts/fetch-photos.sh; the layer is computed per batch on the training device.
# Usage: [LAYERS="conv1 res3"] [STEPS=2000] bash scripts/train-deep-decoders.sh [PHOTOS] [MODELS] [TRAINER]
# (the shipped decoders: 2,000 steps each with OMP_NUM_THREADS=1, see docs/results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
models="${2:-models}/resnet18"
trainer="${3:-}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
if [ -z "$trainer" ]; then dotnet build trainer -c Release >/dev/null; trainer=trainer/bin/Release/net10.0/FeatureInversion.Trainer.dll; fi
for layer in ${LAYERS:-conv1 res3 res5 pool5}; do
  dotnet "$trainer" train "resnet18-$layer" --train "$photos/train" --test "$photos/test" -o "$models/resnet18-$layer-64px-w0.25" \
    --size 64 --width 0.25 --steps "${STEPS:-2000}" --batch 64 --lr 0.001 --seed 1 --eval-every 500 --cache "${FEATURE_CACHE:-data/cache}"
done
