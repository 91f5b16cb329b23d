#!/usr/bin/env bash
# Proof under repetition (issue 23): every shipped decoder over the held-out test crops N times (default 50), each
# compared with the first run and a few crops with the float64 reference, then M short training runs (default 10) of
# README's 300-step HOG command with different seeds. Prints the counts of non-finite values and failed runs.
#   bash scripts/stress-kernels.sh [TEST_DIR] [REPEATS] [TRAININGS]
set -uo pipefail
cd "$(dirname "$0")/.."
test_dir=${1:-data/photos/test}
repeats=${2:-50}
trainings=${3:-10}
out=$(mktemp -d)
dotnet build trainer -c Release -o "$out/bin" -v q -nologo > "$out/build.log" || { cat "$out/build.log"; exit 1; }
run="$out/bin/FeatureInversion.Trainer"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$run" check-kernels models --test "$test_dir" --repeat "$repeats" --reference-items 4
decoders=$?
failed=0
for seed in $(seq 1 "$trainings"); do
  log="$out/train-$seed.log"
  "$run" train hog --train tests/data/photos --test tests/data/photos -o "$out/hog-$seed" --size 64 --width 0.25 --steps 300 --seed "$seed" > "$log" 2>&1
  rc=$?
  error=$(grep -oE 'normalized error [0-9.]+' "$log" | tail -1)
  nan=$(grep -ciE 'nan|infinity' "$log")
  echo "training seed $seed: exit $rc, ${error:-no result}, lines with NaN/Infinity: $nan"
  [ "$rc" -ne 0 ] || [ "$nan" -ne 0 ] && failed=$((failed + 1))
done
echo "decoders: check-kernels exit $decoders; trainings: $failed of $trainings failed or printed a non-finite value"
rm -rf "$out"
[ "$decoders" -eq 0 ] && [ "$failed" -eq 0 ]
