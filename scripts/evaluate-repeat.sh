#!/usr/bin/env bash
# Reproducibility of the documented figures (issue 23): evaluates every decoder under MODELS on TEST_DIR N times
# and compares each run's normalized error (4 decimals) with the one its manifest records.
#   bash scripts/evaluate-repeat.sh [MODELS] [TEST_DIR] [N]
set -uo pipefail
cd "$(dirname "$0")/.."
models=${1:-models}; test_dir=${2:-data/photos/test}; n=${3:-10}
out=$(mktemp -d)
dotnet build trainer -c Release -o "$out/bin" -v q -nologo > "$out/build.log" || { cat "$out/build.log"; exit 1; }
failed=0
for d in $(find "$models" -name manifest.json -printf '%h\n' | sort); do
  want=$(grep -A12 '"evaluation"' "$d/manifest.json" | grep -m1 -oE '"normalizedError": [0-9.]+' | awk '{printf "%.4f", $2}')
  ok=0; got=""
  for i in $(seq 1 "$n"); do
    g=$("$out/bin/FeatureInversion.Trainer" evaluate "$d" --test "$test_dir" 2>&1 | grep -oE 'normalized error [0-9.]+' | head -1 | awk '{print $3}')
    got="$got ${g:-failed}"; [ "$g" = "$want" ] && ok=$((ok + 1))
  done
  echo "$d: documented $want; $ok of $n runs equal;$got"
  [ "$ok" -eq "$n" ] || failed=$((failed + 1))
done
rm -rf "$out"
[ "$failed" -eq 0 ]
