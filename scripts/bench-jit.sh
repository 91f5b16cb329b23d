#!/usr/bin/env bash
# How the .NET JIT settings change README's main job (issue 28): the local pipeline over PHOTOS, one fresh output
# folder per run, each setting run in turn ROUNDS times (interleaved, so drift hits all alike), from one build.
#   bash scripts/bench-jit.sh [PHOTOS] [ROUNDS]      (default: 100 photos of data/photos/train, 3 rounds)
# Prints each setting's median wall time, files per second and its ratio to the project's settings. Settings are
# the runtime's environment knobs, which override the runtimeconfig properties a project sets.
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-}
rounds=${2:-3}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -z "$photos" ]; then
  [ -d data/photos/train ] || bash scripts/fetch-photos.sh data/photos
  photos="$work/photos"; mkdir "$photos"
  ls data/photos/train | head -100 | while read -r f; do cp "data/photos/train/$f" "$photos/"; done
fi
dotnet build trainer -c Release -o "$work/bin" -v q -nologo >/dev/null
n=$(find "$photos" -maxdepth 1 -type f | wc -l)
# "default" is what the trainer project sets (no quick JIT for loops, no dynamic PGO since issue 28);
# "runtime-defaults" puts .NET's own defaults back through the environment, which overrides runtimeconfig.json.
declare -A settings=(
  [default]=""
  [runtime-defaults]="DOTNET_TC_QuickJitForLoops=1 DOTNET_TieredPGO=1"
  [tc-off]="DOTNET_TieredCompilation=0"
  [quick-jit-loops-off]="DOTNET_TC_QuickJitForLoops=0"
  [pgo-off]="DOTNET_TieredPGO=0"
  [loops-and-pgo-off]="DOTNET_TC_QuickJitForLoops=0 DOTNET_TieredPGO=0"
)
order=(default runtime-defaults tc-off quick-jit-loops-off pgo-off loops-and-pgo-off)
declare -A times
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    rm -rf "$work/out"
    start=$(date +%s.%N)
    env ${settings[$name]} "$work/bin/FeatureInversion.Trainer" pipeline "$photos" --out "$work/out" --models models > "$work/log" 2>&1 || { tail "$work/log"; exit 1; }
    end=$(date +%s.%N)
    times[$name]+="$(echo "$end - $start" | bc) "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(echo "${times[default]}" | median)
cpu() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | xargs; }
echo "$(cpu 'model name') family $(cpu 'cpu family') model $(cpu 'model'), $(nproc) cores; $n files, $rounds rounds"
printf '%-22s %10s %12s %10s  %s\n' setting "median s" "files/s" "vs default" "all runs (s)"
for name in "${order[@]}"; do
  m=$(echo "${times[$name]}" | median)
  printf '%-22s %10.1f %12.2f %9.2fx  %s\n' "$name" "$m" "$(echo "$n / $m" | bc -l)" "$(echo "$base / $m" | bc -l)" "${times[$name]}"
done
