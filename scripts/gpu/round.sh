#!/usr/bin/env bash
# One GPU round on a lent machine (issues 30 and 32), from the repository root, with .gpu/ carried
# (scripts/gpu/pack.sh, travel.sh):
#   1. LibTorchSharp (TorchSharp 0.107.0's native glue) built against the machine's PyTorch libtorch
#      (build-libtorchsharp.sh), its exports compared with the NuGet build's; or taken from .gpu/lib/ when an
#      earlier call brought it back;
#   2. parity: check-kernels on CUDA (every staged decoder against the CPU's outputs, 1e-4, and float64, 1/255;
#      TF32 off), and 20 HOG training steps' losses on the CPU and on CUDA (TF32 off);
#   3. throughput of the decoders (fp32, TF32, bf16) with the GPU's utilisation sampled;
#   4. HOG at 256 px, width 1, trained for what time is left (--max-seconds), resumed from .gpu/campaign/ when
#      present, saved in half precision in parts under 16 MiB.
# $OUT receives at most 8 files: libLibTorchSharp.so, logs.tar.gz (every log and table), hog-256/ (6 files).
# BUDGET (seconds, default 540) bounds the call. DRY_RUN=1 runs it here on the CPU: libtorch from the build output,
# the NuGet LibTorchSharp, --device cpu, and small budgets (what cannot be dry-run: the compile, CUDA).
set -uo pipefail
cd "$(dirname "$0")/../.."
# tar's -J needs xz; Python's lzma does the same where xz is not installed
untar_xz() { if command -v xz > /dev/null; then tar -C "$2" -xJf "$1"; else python3 -c \
    'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"; fi; }
: "${OUT:?set OUT to the folder that comes back}"
STAGE=${STAGE:-.gpu}
WORK=${WORK:-/tmp/gpu-round}
BUDGET=${BUDGET:-540}
START=$(date +%s)
LOGS=$WORK/logs
rm -rf "$WORK" && mkdir -p "$WORK/app" "$WORK/lib" "$WORK/models" "$LOGS"
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
log() { echo "[$(( $(date +%s) - START )) s] $*" | tee -a "$LOGS/round.log"; }
finish() {
    tar -C "$WORK" -czf "$OUT/logs.tar.gz" logs
    log "done; $OUT: $(ls "$OUT" | tr '\n' ' ')"
    tail -n 40 "$LOGS/summary.txt" 2>/dev/null
}
trap finish EXIT

if [ "${DRY_RUN:-0}" = 1 ]; then
    DEVICE=cpu
    TORCH_LIB=$PWD/trainer/bin/Release/net10.0/runtimes/linux-x64/native
    cp "$TORCH_LIB/libLibTorchSharp.so" "$WORK/lib/"
    log "dry run: CPU, libtorch and LibTorchSharp from $TORCH_LIB"
else
    DEVICE=cuda
    nvidia-smi > "$LOGS/nvidia-smi.txt" 2>&1
    python3 - > "$LOGS/torch.txt" 2>&1 <<'PY'
import torch, os
print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())
print("device", torch.cuda.get_device_name(0), "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI)
print("dir", os.path.dirname(torch.__file__))
PY
    cat "$LOGS/torch.txt"
    TORCH_DIR=$(sed -n 's/^dir //p' "$LOGS/torch.txt")
    TORCH_LIB=$TORCH_DIR/lib
    ABI=$(sed -n 's/.*cxx11 abi \(True\|False\).*/\1/p' "$LOGS/torch.txt" | sed 's/True/1/;s/False/0/')
    if [ -f "$STAGE/lib/libLibTorchSharp.so" ]; then
        cp "$STAGE/lib/libLibTorchSharp.so" "$WORK/lib/"
        log "LibTorchSharp: the one brought back from an earlier call"
    else
        log "LibTorchSharp: building against $TORCH_DIR (C++11 ABI $ABI) on $(nproc) cores"
        bash scripts/gpu/build-libtorchsharp.sh "$STAGE/native-src.tar.xz" "$TORCH_DIR/include" "$TORCH_LIB" "$ABI" \
            "$WORK/lib" "$LOGS" cuda
        cp "$WORK/lib/libLibTorchSharp.so" "$OUT/" 2>/dev/null
        comm -23 "$STAGE/exports.txt" "$LOGS/exports.txt" > "$LOGS/exports-missing.txt" 2>/dev/null
        log "LibTorchSharp: $(tail -1 "$LOGS/build.log"); $(wc -l < "$LOGS/exports-missing.txt") of the NuGet" \
            "build's exports missing (exports-missing.txt)"
    fi
fi
[ -s "$WORK/lib/libLibTorchSharp.so" ] || { log "no LibTorchSharp: stopping"; exit 1; }
export LD_LIBRARY_PATH=$WORK/lib:$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
untar_xz "$STAGE/app.tar.xz" "$WORK/app"
untar_xz "$STAGE/models.tar.xz" "$WORK/models"
APP=$WORK/app/FeatureInversion.Trainer
PHOTOS=$STAGE/photos
export FEATURE_INVERSION_MODELS=$WORK/models/models

if [ "$DEVICE" = cuda ]; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu,utilization.memory,memory.used,power.draw --format=csv \
        -lms 500 > "$LOGS/gpu-utilisation.csv" 2>/dev/null &
fi

log "parity: check-kernels on $DEVICE"
timeout 240 "$APP" check-kernels "$WORK/models/models" --test "$PHOTOS/test" --per-photo 2 --device "$DEVICE" \
    > "$LOGS/parity.txt" 2>&1
log "check-kernels exit $?"
grep -E "^(device|total)|: [0-9]+ crops" "$LOGS/parity.txt" | cut -c1-220 >> "$LOGS/summary.txt"

log "parity: 20 HOG training steps on the CPU and on $DEVICE"
for d in cpu "$DEVICE"; do
    timeout 180 "$APP" train hog --train "$PHOTOS/train" --test "$PHOTOS/test" -o "$WORK/steps-$d" --steps 20 \
        --batch 16 --seed 1 --report-every 1 --eval-every 0 --checkpoint-every 0 --no-tf32 \
        --device "$d" > "$LOGS/steps-$d.txt" 2>&1
    log "train --device $d exit $?"
done
paste <(sed -n 's/^step \([0-9]*\)\/20 .*this step \([0-9.]*\).*/\1 \2/p' "$LOGS/steps-cpu.txt") \
      <(sed -n 's/^step \([0-9]*\)\/20 .*this step \([0-9.]*\).*/\2/p' "$LOGS/steps-$DEVICE.txt") \
    | awk '{ d = $2 - $3; if (d < 0) d = -d; r = d / $2; if (r > m) m = r; print }
           END { printf "20-step losses, largest relative difference cpu vs device: %.2e\n", m }' \
    > "$LOGS/loss-parity.txt"
tail -1 "$LOGS/loss-parity.txt" >> "$LOGS/summary.txt"

SECONDS_PER=${THROUGHPUT_SECONDS:-2}
[ "${DRY_RUN:-0}" = 1 ] && SMALL=--small || SMALL=
log "throughput on $DEVICE"
timeout 200 "$APP" throughput --device "$DEVICE" --seconds "$SECONDS_PER" $SMALL > "$LOGS/throughput.md" 2>&1
log "throughput exit $?"
cat "$LOGS/throughput.md" >> "$LOGS/summary.txt"

# 256 px, width 1 (the paper's network) for the time left, less ~60 s for the evaluation and saving
TRAIN_SECONDS=$(( $(left) - 60 ))
SIZE=256; WIDTH=1; BATCH=64
[ "${DRY_RUN:-0}" = 1 ] && { SIZE=64; WIDTH=0.25; BATCH=16; TRAIN_SECONDS=30; }
if [ "$TRAIN_SECONDS" -ge 30 ]; then
    mkdir -p "$OUT/hog-256"
    RESUME=
    if [ -f "$STAGE/campaign/manifest.json" ]; then
        cp "$STAGE/campaign/"* "$OUT/hog-256/" && RESUME="--resume $OUT/hog-256"
    fi
    log "training HOG ${SIZE} px width $WIDTH for $TRAIN_SECONDS s ${RESUME:+(resumed)}"
    timeout $(( TRAIN_SECONDS + 150 )) "$APP" train hog --train "$PHOTOS/train" --test "$PHOTOS/test" -o "$OUT/hog-256" \
        --size $SIZE --width $WIDTH --batch $BATCH --steps 1000000 --max-seconds "$TRAIN_SECONDS" --save-half 15 \
        --eval-every 0 --checkpoint-every 0 --color-jitter 0.5 --loader-threads "$(( $(nproc) - 1 ))" \
        --device "$DEVICE" $RESUME > "$LOGS/train-256.txt" 2>&1
    log "training exit $?"
    grep -E "^step" "$LOGS/train-256.txt" | tail -3 >> "$LOGS/summary.txt"
    tail -2 "$LOGS/train-256.txt" >> "$LOGS/summary.txt"
else
    log "no time left to train ($TRAIN_SECONDS s)"
fi
kill %1 2>/dev/null
