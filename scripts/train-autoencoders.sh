#!/usr/bin/env bash
# Trains the ResNet18 autoencoders of the analyses (paper §5.2: decoder and encoder jointly, the encoder's ImageNet
# weights fine-tuned): conv1, res3, res5, pool5 at 64x64, width 1/4, 600 steps, lr 1e-3 (pool5 1e-4: at 1e-3 its
# 512-d bottleneck disrupts the encoder first, docs/results.md). Each checkpoint keeps its fine-tuned ResNet18
# (encoder.dat, 45 MB), so they are not shipped; `analyze perturb` takes them beside the fixed-encoder decoders.
# Usage: bash scripts/train-autoencoders.sh [PHOTOS] [OUT] [TRAINER]   (defaults: data/photos data/autoencoders)
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
out="${2:-data/autoencoders}"
trainer="${3:-}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
if [ -z "$trainer" ]; then dotnet build trainer -c Release >/dev/null; trainer=trainer/bin/Release/net10.0/FeatureInversion.Trainer.dll; fi
for layer in ${LAYERS:-conv1 res3 res5 pool5}; do
  lr=0.001; [ "$layer" = pool5 ] && lr=0.0001
  dotnet "$trainer" train "resnet18-$layer" --autoencoder --train "$photos/train" --test "$photos/test" -o "$out/resnet18-$layer-64px-w0.25-ae" \
    --size 64 --width 0.25 --steps 600 --batch 64 --lr "$lr" --seed 1 --eval-every 300 --cache "${FEATURE_CACHE:-data/cache}" \
    --loader-threads 1 --device cpu
done
