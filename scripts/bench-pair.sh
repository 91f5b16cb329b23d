#!/usr/bin/env bash
# Paired whole-process measurements: runs command A and command B in turn (A B A B ...), each through `sh -c`, under
# GNU time, and prints per run and as min / median / max: wall, user and system seconds and peak RSS (the largest
# single process, as the kernel accounts it), then A/B pair by pair. Pairing is what makes a ratio hold on a shared
# machine whose speed drifts; quote medians and the ratio's range, never one run (docs/benchmarks.md).
#
#   bash scripts/bench-pair.sh [-n RUNS] [--warmup N] 'COMMAND A' 'COMMAND B'
#
# RUNS counted pairs (default 3) after N uncounted warm-up pairs (default 1). The commands' own output goes to
# $BENCH_LOG (default /dev/null); a command that exits non-zero stops the comparison.
set -euo pipefail
runs=3
warmup=1
while [[ $# -gt 0 ]]; do
    case $1 in
        -n) runs=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
if [[ $# -ne 2 || ! $runs =~ ^[1-9][0-9]*$ || ! $warmup =~ ^[0-9]+$ ]]; then
    echo "usage: bench-pair.sh [-n RUNS] [--warmup N] 'COMMAND A' 'COMMAND B'" >&2
    exit 2
fi
[[ -x /usr/bin/time ]] || { echo "bench-pair.sh: GNU time is needed (apt install time)" >&2; exit 2; }
log=${BENCH_LOG:-/dev/null}
rows=$(mktemp)
trap 'rm -f "$rows" "$rows.t"' EXIT

echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo |
    cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
    "$runs pairs after $warmup warm-up"
echo "A = $1"
echo "B = $2"
for ((i = 1; i <= warmup + runs; i++)); do
    for side in A B; do
        cmd=$1
        [[ $side == B ]] && cmd=$2
        if ! /usr/bin/time -f '%e %U %S %M' -o "$rows.t" sh -c "$cmd" >> "$log" 2>&1; then
            echo "bench-pair.sh: command $side failed in pair $i: $(tail -1 "$rows.t")" >&2
            exit 1
        fi
        ((i > warmup)) && echo "$side $(tail -1 "$rows.t")" >> "$rows"
    done
done

python3 - "$rows" <<'PY'
import statistics, sys
runs = {'A': [], 'B': []}
for line in open(sys.argv[1]):
    side, wall, user, sys_s, kb = line.split()
    runs[side].append((float(wall), float(user), float(sys_s), int(kb) / 1024))
names = ['wall s', 'user s', 'sys s', 'peak MiB']
def row(label, values):
    print(f'{label:14s} {min(values):10.2f} {statistics.median(values):10.2f} {max(values):10.2f}')
print(f'{"":14s} {"min":>10s} {"median":>10s} {"max":>10s}')
for side in 'AB':
    for k, name in enumerate(names):
        row(f'{side} {name}', [r[k] for r in runs[side]])
for k, name in enumerate(names):
    ratios = [a[k] / b[k] for a, b in zip(runs['A'], runs['B']) if b[k] > 0]
    if ratios:
        row(f'A/B {name.split()[0]}', ratios)
PY
