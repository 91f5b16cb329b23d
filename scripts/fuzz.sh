#!/usr/bin/env bash
# Fuzzes a parser of untrusted bytes with afl++ (Debian afl++ 4.04c) through SharpFuzz (issue 29).
#   bash scripts/fuzz.sh TARGET [SECONDS] [OUT_DIR]      TARGET: image | npy
# Builds tests/FeatureInversion.Fuzz, instruments the parsing assemblies (our Imaging library and ImageSharp), runs
# afl-fuzz for SECONDS (default 60) from the committed seeds (tests/FeatureInversion.Fuzz/seeds/TARGET), then prints
# afl's figures (executions, paths found, crashes, hangs). Exit 1 on any crash or hang;
# findings are kept in OUT_DIR (default a temporary folder, printed).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh image|npy [SECONDS] [OUT_DIR]}
seconds=${2:-60}
out=${3:-$(mktemp -d)}
command -v afl-fuzz >/dev/null || { echo "afl-fuzz missing: apt-get install afl++ (scripts/install-test-deps.sh does)" >&2; exit 1; }
sharpfuzz=.tools/sharpfuzz/sharpfuzz
[ -x "$sharpfuzz" ] || dotnet tool install --tool-path .tools/sharpfuzz SharpFuzz.CommandLine --version 2.3.0 >/dev/null
bin="$out/bin"
dotnet build tests/FeatureInversion.Fuzz -c Release -o "$bin" -v q -nologo >/dev/null
# The seeds must pass the harness first (before instrumenting: instrumented code needs afl's shared memory).
for seed in tests/FeatureInversion.Fuzz/seeds/"$target"/*; do dotnet "$bin/FeatureInversion.Fuzz.dll" "$target" "$seed"; done
for assembly in FeatureInversion.Imaging.dll SixLabors.ImageSharp.dll; do "$sharpfuzz" "$bin/$assembly" >/dev/null; done
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_QUIET=1
afl-fuzz -i tests/FeatureInversion.Fuzz/seeds/"$target" -o "$out/findings" -t 20000 -m none -V "$seconds" \
  -- dotnet "$bin/FeatureInversion.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || { tail -30 "$out/afl.log"; exit 1; }
stats="$out/findings/default/fuzzer_stats"
value() { grep -E "^$1 " "$stats" | awk -F: '{gsub(/ /, "", $2); print $2}'; }
crashes=$(value saved_crashes); hangs=$(value saved_hangs)
echo "fuzz $target: $(value execs_done) executions in $(value run_time) s ($(value execs_per_sec)/s), $(value corpus_count) paths (from $(ls tests/FeatureInversion.Fuzz/seeds/"$target" | wc -l) seeds), $crashes crashes, $hangs hangs; findings in $out/findings"
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
