#!/usr/bin/env bash
# Builds TorchSharp 0.107.0's native glue (src/Native/LibTorchSharp) against a libtorch with headers, with the
# upstream flags (src/Native/CMakeLists.txt: -fvisibility=hidden, -D__LINUX__ -D_NO_ASYNCRTIMP -D_NO_PPLXIMP,
# linked -Bsymbolic), each source file compiled on its own and in parallel: a file that does not compile is left out
# and named (its functions are then missing from the library; TorchSharp binds each function at its first call).
# scripts/gpu/patches/*.patch are applied first (the smallest change a newer libtorch needs; none yet).
# Usage: build-libtorchsharp.sh SRC.tar.xz INCLUDE_ROOT LIB_DIR CXX11_ABI(0|1) OUT_DIR LOG_DIR [cuda]
#   INCLUDE_ROOT holds torch/ and ATen/ (PyTorch: torch/include; Debian's libtorch-dev: /usr/include).
set -uo pipefail
# tar's -J needs xz; Python's lzma does the same where xz is not installed
untar_xz() { if command -v xz > /dev/null; then tar -C "$2" -xJf "$1"; else python3 -c \
    'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"; fi; }
here=$(cd "$(dirname "$0")" && pwd)
src=$1 include=$2 lib=$3 abi=$4 out=$5 logs=$6 cuda=${7:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$logs"
untar_xz "$src" "$work"
for p in "$here"/patches/*.patch; do
    [ -f "$p" ] && (cd "$work/TorchSharp" && patch -p1 < "$p") >> "$logs/build.log" 2>&1
done
N=$work/TorchSharp/src/Native
export FLAGS="-O2 -fPIC -fvisibility=hidden -fstack-protector-strong -D_NO_ASYNCRTIMP -D_NO_PPLXIMP -D__LINUX__ \
    -D_GLIBCXX_USE_CXX11_ABI=$abi -I$N -I$N/LibTorchSharp -I$include -I$include/torch/csrc/api/include"
export LOGS=$logs
ls "$N"/LibTorchSharp/*.cpp "$N"/LibTorchSharp/*.c | xargs -P "$(nproc)" -I{} sh -c '
    f={}; o=${f%.*}.o
    case $f in *.c) c="gcc -std=c11" ;; *) c="g++ -std=c++17" ;; esac
    $c $FLAGS -c "$f" -o "$o" 2> "$LOGS/build-$(basename "$f").log" || { echo "left out: $(basename "$f")"; rm -f "$o"; }' \
    | sort | tee -a "$logs/build.log"
libs="-ltorch -ltorch_cpu -lc10"
[ "$cuda" = cuda ] && libs="$libs -ltorch_cuda -lc10_cuda"
objects=$(ls "$N"/LibTorchSharp/*.o 2>/dev/null)
[ -n "$objects" ] || { echo "nothing compiled" | tee -a "$logs/build.log"; exit 1; }
g++ -shared -o "$out/libLibTorchSharp.so" $objects -Wl,-Bsymbolic -Wl,-Bsymbolic-functions -Wl,--build-id=sha1 \
    -L"$lib" -Wl,--no-as-needed $libs -Wl,-rpath,"$lib" >> "$logs/build.log" 2>&1 \
    || { echo "link failed" | tee -a "$logs/build.log"; exit 1; }
strip --strip-unneeded "$out/libLibTorchSharp.so"
nm -D --defined-only "$out/libLibTorchSharp.so" | awk '$2 == "T" { print $3 }' | sort > "$logs/exports.txt"
echo "$(ls "$N"/LibTorchSharp/*.o | wc -l) of $(ls "$N"/LibTorchSharp/*.c* | wc -l) files compiled," \
    "$(wc -l < "$logs/exports.txt") functions exported" | tee -a "$logs/build.log"
