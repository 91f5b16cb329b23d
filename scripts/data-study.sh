#!/usr/bin/env bash
# The data study of docs/results.md: HOG at 64 px, width 1/4, the same steps, on nested subsets of the training
# photos (the first N of one seeded shuffle) x colour jitter {0, 0.5, 1}; prints one line per run (photos, jitter,
# test error, colour gain, mean-image baseline). Usage: bash scripts/data-study.sh [PHOTOS] [OUT] [TRAINER] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
photos="${1:-data/photos}"
out="${2:-out/data-study}"
trainer="${3:-}"
steps="${4:-600}"
[ -d "$photos/train" ] || bash scripts/fetch-photos.sh "$photos"
if [ -z "$trainer" ]; then dotnet build trainer -c Release >/dev/null; trainer=trainer/bin/Release/net10.0/FeatureInversion.Trainer.dll; fi
mkdir -p "$out"
all=$(ls "$photos/train" | wc -l)
ls "$photos/train" | sort | shuf --random-source=<(yes 1) > "$out/order.txt"
for n in 25 50 100 200 "$all"; do
  [ "$n" -le "$all" ] || continue
  subset="$out/photos-$n"
  rm -rf "$subset"; mkdir -p "$subset"
  head -n "$n" "$out/order.txt" | while read -r f; do ln -s "$(realpath "$photos/train/$f")" "$subset/$f"; done
  for jitter in 0 0.5 1; do
    dir="$out/hog-$n-j$jitter"
    dotnet "$trainer" train hog --train "$subset" --test "$photos/test" -o "$dir" --size 64 --width 0.25 --steps "$steps" \
      --batch 64 --seed 1 --eval-every 0 --color-jitter "$jitter" --cache "${FEATURE_CACHE:-data/cache}" > "$dir.log" 2>&1
    python3 - "$dir/manifest.json" "$n" "$jitter" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); e = m["evaluation"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{e['normalizedError']:.4f}\t{e['colorGain']:+.4f}\t{e['meanImageBaselineError']:.4f}")
PY
  done
done | tee "$out/results.tsv"
