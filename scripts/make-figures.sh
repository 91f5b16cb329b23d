#!/usr/bin/env bash
# Every figure in docs/img, from one place (issue 27), so none goes stale: a test checks that each file in docs/img
# is written by a line of this script, and that the recorded results below redraw.
#   bash scripts/make-figures.sh recorded [TRAINER]   plots redrawn from the results recorded in docs/data
#                                                     (seconds; no photos or decoders needed)
#   bash scripts/make-figures.sh all [TRAINER]        also the sheets and screenshots, recomputed from the shipped
#                                                     decoders and the photos of scripts/fetch-photos.sh
# TRAINER: a built FeatureInversion.Trainer.dll (default: builds the project). Needs chromium for the screenshots.
# The perturbation figures also need the autoencoders of scripts/train-autoencoders.sh in data/autoencoders (not
# shipped: about an hour here); without them that step says so and is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-recorded}"
trainer="${2:-}"
case "$part" in recorded|all) ;; *) echo "usage: bash scripts/make-figures.sh [recorded|all] [TRAINER]" >&2; exit 2;; esac
if [ -z "$trainer" ]; then dotnet build trainer -c Release >/dev/null; trainer=trainer/bin/Release/net10.0/FeatureInversion.Trainer.dll; fi
cli() { echo "+ $*" >&2; dotnet "$trainer" "$@" > /dev/null; }

# Recorded results (docs/data): how each was recorded is in its first lines.
cli layer-curve docs/data/resnet18-layers.tsv -o docs/img/resnet18-layers.png
cli data-study docs/data/data-study.tsv -o docs/img/data-study.png
cli defence-curve docs/data/audit-vlfeat-107.json -o docs/img/defence-curve-vlfeat-107.png
cli defence-curve docs/data/audit-colmap-240.json -o docs/img/defence-curve-colmap-240.png
cli defence-curve docs/data/audit-bits-107.json -o docs/img/defence-curve-bits-107.png
[ "$part" = all ] || exit 0

photos=data/photos
[ -d "$photos/test" ] || bash scripts/fetch-photos.sh "$photos"
test=(--test "$photos/test")
r18=models/resnet18

# Sheets of the shipped decoders on the held-out photos (docs/results.md).
cli evaluate models/hog-64px-w0.25 "${test[@]}" --sheet docs/img/hog-sheet.png
cli evaluate models/lbp-64px-w0.25 "${test[@]}" --sheet docs/img/lbp-sheet.png
cli evaluate models/sift-grid-64px-w0.25 "${test[@]}" --sheet docs/img/sift-grid-sheet.png
cli evaluate "$r18/resnet18-pool5-64px-w0.25" "${test[@]}" --per-photo 1 --sheet docs/img/resnet18-pool5-sheet.png

# The analyses (docs/analyses.md), with the commands and settings given there.
cli optimize resnet18-conv1 "${test[@]}" --lambda-alpha 0 --lambda-tv 0.003 --decoder "$r18/resnet18-conv1-64px-w0.25" --sheet docs/img/analyses/optimize-conv1.png --quiet
cli optimize resnet18-res3 "${test[@]}" --lambda-alpha 0 --lambda-tv 0.01 --decoder "$r18/resnet18-res3-64px-w0.25" --sheet docs/img/analyses/optimize-res3.png --quiet
cli optimize resnet18-res5 "${test[@]}" --lambda-alpha 1 --lambda-tv 0.1 --decoder "$r18/resnet18-res5-64px-w0.25" --sheet docs/img/analyses/optimize-res5.png --quiet
cli optimize resnet18-pool5 "${test[@]}" --lambda-alpha 1 --lambda-tv 0.1 --decoder "$r18/resnet18-pool5-64px-w0.25" --sheet docs/img/analyses/optimize-pool5.png --quiet
cli optimize hog "${test[@]}" --lambda-alpha 0 --lambda-tv 0.1 --decoder models/hog-64px-w0.25 --sheet docs/img/analyses/optimize-hog.png --quiet
cli analyze topk "$r18/resnet18-pool5-64px-w0.25" "${test[@]}" --per-photo 1 --sheet docs/img/analyses/topk-pool5.png --quiet
cli analyze interpolate models/hog-64px-w0.25 "$r18"/resnet18-{conv1,res3,res5,pool5}-64px-w0.25 \
  --a "$photos/test/album-cold-water.jpg" --b "$photos/test/album-donna.jpg" --sheet docs/img/analyses/interpolate.png
cli analyze random "$r18/resnet18-pool5-64px-w0.25" --train "$photos/train" --sheet docs/img/analyses/random-pool5.png
cli analyze random "$r18/resnet18-res5-64px-w0.25" --train "$photos/train" --sheet docs/img/analyses/random-res5.png
cli analyze units "$r18/resnet18-pool5-64px-w0.25" --train "$photos/train" --sheet docs/img/analyses/units-pool5.png
if [ -d data/autoencoders ]; then
  # writes docs/img/analyses/*-perturb.png (one sheet per decoder) and the curve
  cli analyze perturb "$r18"/resnet18-{conv1,res3,res5,pool5}-64px-w0.25 data/autoencoders/resnet18-{conv1,res3,res5,pool5}-64px-w0.25-ae \
    "${test[@]}" --per-photo 1 --sheets docs/img/analyses --plot docs/img/analyses/perturb-curve.png \
    --series "optimization=0.232,0.461,0.761,0.768" --series "mean image=0.713,0.713,0.713,0.713" --quiet
else
  echo "skipped docs/img/analyses/perturb-curve.png and *-perturb.png: run bash scripts/train-autoencoders.sh $photos data/autoencoders first" >&2
fi

# Screenshots of the galleries (README, docs/pipeline.md).
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cli pipeline tests/data/photos --out "$out/main" --batch sample --quiet
chromium --headless=new --no-sandbox --hide-scrollbars --window-size=1400,1100 --screenshot=docs/img/gallery.png \
  "file://$out/main/storage/results/sample/index.html" 2>/dev/null
bash scripts/make-auditor-gallery.sh docs/img/auditor-gallery.png
