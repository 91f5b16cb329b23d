#!/usr/bin/env bash
# Trains CPU-scale decoders (64x64, width 1/4) for every ResNet18 layer with the encoder fixed, and autoencoders
# (encoder unfrozen, paper section 5.2) for conv1, res3, res5 and pool5, then draws the per-layer error plot.
# Usage: bash scripts/train-deep-decoders.sh [PHOTOS] [OUT]   (about 45 minutes on 2 cores)
# The shipped decoders in models/resnet18/ are the fixed-encoder ones for conv1, res3, res5 and pool5.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
out="${2:-data/deep-decoders}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
dotnet build trainer -c Release >/dev/null
common=(--train "$photos/train" --test "$photos/test" --size 64 --width 0.25 --batch 64 --lr 0.001 --seed 1
        --eval-every 500 --color-jitter 1.0 --samples 30000 --cache "${FEATURE_CACHE:-data/feature-cache}")
for layer in conv1 pool1 res2 res3 res4 res5 pool5; do
  dotnet run --project trainer -c Release --no-build -- train "resnet18-$layer" "${common[@]}" --steps 1000 -o "$out/resnet18-$layer-64px-w0.25"
done
for layer in conv1 res3 res5 pool5; do
  dotnet run --project trainer -c Release --no-build -- train "resnet18-$layer" "${common[@]}" --steps 600 --autoencoder -o "$out/resnet18-$layer-64px-w0.25-ae"
done
# At lr 1e-3 the pool5 autoencoder does not train (error above the mean image); 1e-4 does. layer-curve plots the
# newest checkpoint per layer, i.e. this one (docs/results.md lists both).
dotnet run --project trainer -c Release --no-build -- train resnet18-pool5 "${common[@]}" --lr 0.0001 --steps 600 --autoencoder -o "$out/resnet18-pool5-64px-w0.25-ae-lr1e-4"
dotnet run --project trainer -c Release --no-build -- layer-curve "$out" -o "$out/resnet18-layers.png"
